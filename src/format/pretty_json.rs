//! Indents compact JSON the way `serde_json::to_string_pretty` does (two spaces, `"key": value`, empty
//! `[]` and `{}` kept on one line). Exports are written compact and indented here, so the module carries
//! serde_json's one compact serializer per type instead of a second, pretty one for every entry type.

/// `compact` (JSON without whitespace outside strings, as `serde_json::to_string` writes it), indented.
pub fn pretty_json(compact: &str) -> String {
    let bytes = compact.as_bytes();
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    };
    let (mut in_string, mut escaped) = (false, false);
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if in_string {
            // Copy the string through unchanged, up to its closing quote.
            let start = i;
            while i < bytes.len() {
                let b = bytes[i];
                i += 1;
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                    break;
                }
            }
            out.push_str(&compact[start..i]);
            continue;
        }
        match c {
            b'"' => {
                in_string = true;
                out.push('"');
            }
            b'{' | b'[' => {
                let close = if c == b'{' { b'}' } else { b']' };
                if bytes.get(i + 1) == Some(&close) {
                    out.push(c as char);
                    out.push(close as char);
                    i += 1;
                } else {
                    out.push(c as char);
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c as char);
            }
            b',' => {
                out.push(',');
                newline(&mut out, depth);
            }
            b':' => out.push_str(": "),
            _ => {
                // A number, literal or other ASCII run: copy up to the next structural byte.
                let start = i;
                while i < bytes.len() && !matches!(bytes[i], b'"' | b'{' | b'[' | b'}' | b']' | b',' | b':') {
                    i += 1;
                }
                out.push_str(&compact[start..i]);
                continue;
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::pretty_json;

    #[test]
    fn matches_serde_json_pretty() {
        let v = serde_json::json!({
            "schema": "tinymlperf-entries",
            "empty_list": [],
            "empty_map": {},
            "nested": [{"a": 1.5, "b": [1, 2, {"c": null}]}, [], "x"],
            "tricky \"quoted\" key, with: {brackets} [and] commas\\": "value: {not} [structure], \"escaped\\\" \\\\",
            "unicode": "é ✓ \u{1F600}",
            "numbers": [-0.0, 1e-7, 12345678901234567890u64, -3],
            "flags": [true, false, null]
        });
        let compact = serde_json::to_string(&v).unwrap();
        assert_eq!(pretty_json(&compact), serde_json::to_string_pretty(&v).unwrap());
        assert_eq!(pretty_json("[]"), "[]");
        assert_eq!(pretty_json("\"a,b\""), "\"a,b\"");
    }
}
