//! A team name as identity compares it ([`normalize_team`]): what makes "Team Tensor", "team  tensor",
//! "Team\u{200B} Tensor" (a zero-width space), "Team Tensоr" (a Cyrillic о) and "Ｔｅａｍ Ｔｅｎｓｏｒ"
//! (fullwidth) one team, so a team cannot hold two rows of a board under names that look the same.
//!
//! A small confusable skeleton, by hand (the full Unicode confusables table would weigh more than the
//! rest of the leaderboard in the page's module): characters that render as nothing are dropped, blank
//! ones become spaces, combining marks are dropped and accented Latin letters lose their accents,
//! fullwidth and mathematical letters and digits become ASCII, and Cyrillic and Greek letters that look
//! like Latin ones become those; then whitespace runs collapse and the result is lowercased.

/// A team name as identity compares it; see the module docs. Empty when the name has no visible
/// character ([`super::check_text`] refuses such a name).
pub fn normalize_team(team: &str) -> String {
    let folded: String = team.chars().filter_map(fold).collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Latin-1 Supplement U+00C0–U+00FF and Latin Extended-A U+0100–U+017F without their accents.
const LATIN1: &str = "AAAAAAACEEEEIIIIDNOOOOO×OUUUUYÞßaaaaaaaceeeeiiiidnooooo÷ouuuuyþy";
const LATIN_EXT_A: &str = "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiIiJjKkkLlLlLlLlLlNnNnNnnNnOoOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";

/// Cyrillic and Greek letters drawn like a Latin one, with it.
const LOOKALIKES: [(char, char); 64] = [
    ('А', 'A'), ('В', 'B'), ('Е', 'E'), ('К', 'K'), ('М', 'M'), ('Н', 'H'), ('О', 'O'), ('Р', 'P'),
    ('С', 'C'), ('Т', 'T'), ('У', 'Y'), ('Х', 'X'), ('Ѕ', 'S'), ('І', 'I'), ('Ј', 'J'), ('Ԛ', 'Q'),
    ('Ԝ', 'W'), ('Ү', 'Y'), ('Һ', 'H'), ('Ӏ', 'I'), ('а', 'a'), ('е', 'e'), ('о', 'o'), ('р', 'p'),
    ('с', 'c'), ('у', 'y'), ('х', 'x'), ('ѕ', 's'), ('і', 'i'), ('ј', 'j'), ('ԁ', 'd'), ('ԛ', 'q'),
    ('ԝ', 'w'), ('һ', 'h'), ('ӏ', 'l'), ('ү', 'y'), ('к', 'k'), ('ё', 'e'), ('ї', 'i'), ('Α', 'A'),
    ('Β', 'B'), ('Ε', 'E'), ('Ζ', 'Z'), ('Η', 'H'), ('Ι', 'I'), ('Κ', 'K'), ('Μ', 'M'), ('Ν', 'N'),
    ('Ο', 'O'), ('Ρ', 'P'), ('Τ', 'T'), ('Υ', 'Y'), ('Χ', 'X'), ('ο', 'o'), ('ν', 'v'), ('ρ', 'p'),
    ('ι', 'i'), ('κ', 'k'), ('α', 'a'), ('υ', 'u'), ('χ', 'x'), ('ϲ', 'c'), ('ϳ', 'j'), ('ɑ', 'a'),
];

/// One character of a name as identity sees it (`None`: dropped).
fn fold(c: char) -> Option<char> {
    let u = c as u32;
    Some(match u {
        // Default-ignorable code points: rendered as nothing (soft hyphen, zero-width spaces and
        // joiners, word joiner, invisible operators, variation selectors, BOM, tags, …).
        0xAD | 0x34F | 0x61C | 0x17B4..=0x17B5 | 0x180B..=0x180F | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0xFE00..=0xFE0F | 0xFEFF | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0000..=0xE0FFF => return None,
        // Combining marks (accents written as a second character).
        0x300..=0x36F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F => return None,
        // Blank-looking letters and fillers: a space.
        0x115F | 0x1160 | 0x2800 | 0x3164 | 0xFFA0 => ' ',
        0xC0..=0xFF => LATIN1.chars().nth((u - 0xC0) as usize)?,
        0x100..=0x17F => LATIN_EXT_A.chars().nth((u - 0x100) as usize)?,
        // Fullwidth ASCII.
        0xFF01..=0xFF5E => char::from_u32(u - 0xFEE0)?,
        // Mathematical alphanumerics: thirteen styles of A–Z a–z, five of 0–9.
        0x1D400..=0x1D6A3 => {
            let i = (u - 0x1D400) % 52;
            char::from_u32(if i < 26 { 'A' as u32 + i } else { 'a' as u32 + i - 26 })?
        }
        0x1D7CE..=0x1D7FF => char::from_u32('0' as u32 + (u - 0x1D7CE) % 10)?,
        _ => LOOKALIKES.iter().find(|(k, _)| *k == c).map_or(c, |(_, v)| *v),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_cover_their_ranges() {
        assert_eq!(LATIN1.chars().count(), 0x100 - 0xC0);
        assert_eq!(LATIN_EXT_A.chars().count(), 0x180 - 0x100);
        assert_eq!(fold('Ž'), Some('Z'));
        assert_eq!(fold('ſ'), Some('s'));
        assert_eq!(fold('ÿ'), Some('y'));
    }
}
