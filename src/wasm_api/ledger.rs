//! `api-ledger`: entries only — boards, merges, exports, share links, provenance verdicts. No model and
//! no kernel is reachable from here, so this module stays small.
use super::{event_id, from_js, js_err, to_js};
use wasm_bindgen::prelude::*;

fn entries_from(entries: JsValue) -> Result<Vec<crate::submission::Entry>, JsError> {
    if entries.is_undefined() || entries.is_null() {
        return Ok(Vec::new());
    }
    from_js(entries, "entries")
}

/// The three boards (speed, innovation, composite) of one event over `entries`.
#[wasm_bindgen]
pub fn leaderboards(entries: JsValue, event: &str) -> Result<JsValue, JsError> {
    to_js(&crate::leaderboard::boards(&entries_from(entries)?, event_id(event)?))
}

/// Merges an exported JSON text into `existing` by entry key (team and artifact, see `entryKey`):
/// `{entries, keys, added, duplicates}`, `keys[i]` being the key of `entries[i]`. `existing` is
/// deduplicated by key too (the first copy stays), so `mergeEntries(list, "[]")` keys a list. A bad
/// file throws and nothing changes.
///
/// `source` (a file name, "share link", a board URL): when given, every entry read from `text` is
/// marked self-reported from it, whatever provenance it claims; entries in `existing` keep theirs.
#[wasm_bindgen(js_name = mergeEntries)]
pub fn merge_entries(existing: JsValue, text: &str, source: Option<String>) -> Result<JsValue, JsError> {
    use crate::leaderboard::EntryStore;
    let mut store = crate::leaderboard::MemoryStore::default();
    for e in entries_from(existing)? {
        store.insert(e);
    }
    let m = crate::leaderboard::merge_json_from(&mut store, text, source.as_deref()).map_err(js_err)?;
    #[derive(serde::Serialize)]
    struct Out {
        entries: Vec<crate::submission::Entry>,
        keys: Vec<String>,
        added: usize,
        duplicates: usize,
    }
    to_js(&Out { keys: store.keys(), entries: store.entries(), added: m.added, duplicates: m.duplicates })
}

/// An entry's identity, `"<hash>:<normalized team>"`: what the page's store and every merge key
/// entries by (two teams with the same package are two entries).
#[wasm_bindgen(js_name = entryKey)]
pub fn entry_key(entry: JsValue) -> Result<String, JsError> {
    let e: crate::submission::Entry = from_js(entry, "entry")?;
    Ok(crate::leaderboard::entry_key(&e))
}

/// JSON export of entries.
#[wasm_bindgen(js_name = exportEntries)]
pub fn export_entries(entries: JsValue) -> Result<String, JsError> {
    crate::leaderboard::export_json(&entries_from(entries)?).map_err(js_err)
}

/// CSV export of entries.
#[wasm_bindgen(js_name = exportCsv)]
pub fn export_csv(entries: JsValue) -> Result<String, JsError> {
    Ok(crate::leaderboard::export_csv(&entries_from(entries)?))
}

/// A share-link fragment payload for an entry.
#[wasm_bindgen(js_name = encodeShare)]
pub fn encode_share(entry: JsValue) -> Result<String, JsError> {
    let e: crate::submission::Entry = from_js(entry, "entry")?;
    e.validate().map_err(js_err)?;
    crate::submission::share::encode(&e).map_err(js_err)
}

/// The entry in a share-link fragment, marked self-reported ("share link"): the link's figures are
/// its author's word. Damaged, old or edited links throw a clear message.
#[wasm_bindgen(js_name = decodeShare)]
pub fn decode_share(fragment: &str) -> Result<JsValue, JsError> {
    to_js(&crate::submission::share::decode(fragment).map_err(js_err)?)
}

/// Whether `rerun` (measured here with the claim's seed) reproduces `claim`: a
/// [`crate::submission::Verdict`] whose `summary` says "reproduced: …" or "not reproduced: …".
#[wasm_bindgen(js_name = reproduceClaim)]
pub fn reproduce_claim(claim: JsValue, rerun: JsValue) -> Result<JsValue, JsError> {
    let (c, r): (crate::submission::Entry, crate::submission::Entry) = (from_js(claim, "claim")?, from_js(rerun, "re-run")?);
    to_js(&crate::submission::provenance::reproduce(&c, &r))
}

/// The verifier's result for one claim from its runs (`board:verify`): `{status, entry, verdict,
/// speedups}`, `entry` being the verifier's own measurement marked verified.
#[wasm_bindgen(js_name = verifiedEntry)]
pub fn verified_entry(claim: JsValue, runs: JsValue, at: f64) -> Result<JsValue, JsError> {
    let c: crate::submission::Entry = from_js(claim, "claim")?;
    let r: Vec<crate::submission::Entry> = from_js(runs, "runs")?;
    to_js(&crate::submission::provenance::verified_entry(&c, &r, at).map_err(js_err)?)
}

/// Whether two runs of one entry agree within the documented tolerance (`board:verify` repeats until
/// they do).
#[wasm_bindgen(js_name = runsAgree)]
pub fn runs_agree(a: JsValue, b: JsValue) -> Result<bool, JsError> {
    let (a, b): (crate::submission::Entry, crate::submission::Entry) = (from_js(a, "run")?, from_js(b, "run")?);
    Ok(crate::submission::provenance::runs_agree(&a, &b))
}

