//! Share links: an [`Entry`] in a URL fragment, versioned, deflate-compressed (flate2) and
//! checksummed, so a link reopens the same result view without re-running and a damaged or edited
//! link is refused with a message that says what is wrong.
//!
//! Layout: `v1.<base64url(deflate(json))>.<first 16 hex digits of sha256(json)>`.
use super::Entry;
use crate::{Error, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};

/// The version this build writes and reads.
pub const SHARE_VERSION: &str = "v1";
/// Longest fragment accepted.
pub const MAX_SHARE_CHARS: usize = 64 * 1024;
/// Largest decompressed payload accepted (a deflate bomb stops here).
pub const MAX_SHARE_JSON: usize = 1 << 20;

const LINK: &str = "share link";

fn checksum(json: &[u8]) -> String {
    Sha256::digest(json).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Encodes an entry as a fragment payload.
pub fn encode(entry: &Entry) -> Result<String> {
    let json = serde_json::to_vec(entry).map_err(|e| Error::format(LINK, e.to_string()))?;
    let mut z = DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&json).map_err(|e| Error::format(LINK, e.to_string()))?;
    let packed = z.finish().map_err(|e| Error::format(LINK, e.to_string()))?;
    Ok(format!("{SHARE_VERSION}.{}.{}", URL_SAFE_NO_PAD.encode(packed), checksum(&json)))
}

/// Decodes a fragment payload (a leading `#` and a `r=` key are accepted), validates the entry and
/// marks it self-reported ("share link").
pub fn decode(fragment: &str) -> Result<Entry> {
    let s = fragment.trim().trim_start_matches('#');
    let s = s.strip_prefix("r=").unwrap_or(s);
    if s.is_empty() {
        return Err(Error::format(LINK, "the link has no result in it"));
    }
    if s.len() > MAX_SHARE_CHARS {
        return Err(Error::Limit { what: "share link length".into(), got: s.len() as u64, limit: MAX_SHARE_CHARS as u64 });
    }
    let mut parts = s.split('.');
    let (version, body, sum) = (parts.next().unwrap_or(""), parts.next(), parts.next());
    if version != SHARE_VERSION {
        return Err(Error::format(LINK, if version.starts_with('v') && version[1..].parse::<u32>().is_ok() {
            format!("this link is format {version}; this page reads {SHARE_VERSION} (made by a different version of TinyMLPerf)")
        } else {
            "this is not a TinyMLPerf result link".into()
        }));
    }
    let (Some(body), Some(sum), None) = (body, sum, parts.next()) else {
        return Err(Error::format(LINK, "the link is incomplete (was it cut off when copied?)"));
    };
    let packed = URL_SAFE_NO_PAD.decode(body).map_err(|_| Error::format(LINK, "the link is damaged: its data is not valid base64url (was it cut off or edited?)"))?;
    let mut json = Vec::new();
    DeflateDecoder::new(&packed[..])
        .take(MAX_SHARE_JSON as u64 + 1)
        .read_to_end(&mut json)
        .map_err(|_| Error::format(LINK, "the link is damaged: its data does not decompress (was it cut off or edited?)"))?;
    if json.len() > MAX_SHARE_JSON {
        return Err(Error::Limit { what: "share link payload in bytes".into(), got: json.len() as u64, limit: MAX_SHARE_JSON as u64 });
    }
    if checksum(&json) != sum {
        return Err(Error::format(LINK, "the link was altered: its checksum does not match its contents"));
    }
    let json = std::str::from_utf8(&json).map_err(|_| Error::format(LINK, "the result in the link is not UTF-8 text"))?;
    let entry: Entry = serde_json::from_str(json).map_err(|e| Error::format(LINK, format!("the result in the link is malformed: {e}")))?;
    entry.validate()?;
    // A link's figures are its author's word, whatever provenance it claims.
    Ok(entry.as_self_reported("share link"))
}
