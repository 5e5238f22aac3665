//! `tinymlperf-cli`: see `tinymlperf_cli::USAGE`.
fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut stdout = std::io::stdout().lock();
    let code = match tinymlperf_cli::run(&argv, &mut stdout) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}", tinymlperf_cli::error_line(&e));
            2
        }
    };
    std::process::exit(code);
}
