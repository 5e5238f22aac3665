fn main() { println!("trainer placeholder"); }
