//! Where entries live, and how they travel: an [`EntryStore`] trait (the page's IndexedDB store is its
//! JS twin), an in-memory implementation, and a JSON export whose import *merges by [`entry_key`]*
//! (team and artifact: two teams with the same package are two entries, and a team's earlier
//! submissions stay): the whole file is parsed and every entry validated before anything is added,
//! so a bad file changes nothing, and an entry already present is never replaced or dropped.
use super::entry_key;
use crate::submission::Entry;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// Largest export text [`merge_json`] reads.
pub const MAX_IMPORT_BYTES: usize = 32 << 20;
/// Most entries one import may carry.
pub const MAX_IMPORT_ENTRIES: usize = 10_000;
/// The export's `schema` tag.
pub const EXPORT_SCHEMA: &str = "tinymlperf-entries";
/// The export's version.
pub const EXPORT_VERSION: u32 = 1;

/// Storage of entries keyed by [`entry_key`] (team and artifact).
pub trait EntryStore {
    /// Every entry, in insertion order.
    fn entries(&self) -> Vec<Entry>;
    /// Adds `e` unless an entry with its key is present; returns whether it was added.
    fn insert(&mut self, e: Entry) -> bool;
    /// Whether an entry with this [`entry_key`] is stored.
    fn contains(&self, key: &str) -> bool {
        self.entries().iter().any(|e| entry_key(e) == key)
    }
}

/// Entries in memory.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    entries: Vec<Entry>,
    keys: std::collections::HashSet<String>,
}

impl MemoryStore {
    /// The [`entry_key`] of every entry, in insertion order (parallel to [`EntryStore::entries`]).
    pub fn keys(&self) -> Vec<String> {
        self.entries.iter().map(entry_key).collect()
    }
}

impl EntryStore for MemoryStore {
    fn entries(&self) -> Vec<Entry> {
        self.entries.clone()
    }
    fn insert(&mut self, e: Entry) -> bool {
        if !self.keys.insert(entry_key(&e)) {
            return false;
        }
        self.entries.push(e);
        true
    }
    fn contains(&self, key: &str) -> bool {
        self.keys.contains(key)
    }
}

/// The export file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Export {
    /// [`EXPORT_SCHEMA`].
    pub schema: String,
    /// [`EXPORT_VERSION`].
    pub version: u32,
    /// The entries.
    pub entries: Vec<Entry>,
}

/// JSON export of `entries`.
pub fn export_json(entries: &[Entry]) -> Result<String> {
    let compact = serde_json::to_string(&Export { schema: EXPORT_SCHEMA.into(), version: EXPORT_VERSION, entries: entries.to_vec() }).map_err(|e| Error::format("export", e.to_string()))?;
    Ok(crate::format::pretty_json::pretty_json(&compact))
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Merge {
    /// Entries added.
    pub added: usize,
    /// Entries already present (kept as they were).
    pub duplicates: usize,
}

/// Parses an export (or a bare array of entries, or one entry) and validates every entry.
pub fn parse_entries(text: &str) -> Result<Vec<Entry>> {
    if text.len() > MAX_IMPORT_BYTES {
        return Err(Error::Limit { what: "import file size in bytes".into(), got: text.len() as u64, limit: MAX_IMPORT_BYTES as u64 });
    }
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| Error::format("import", format!("not JSON: {e}")))?;
    let list = match &value {
        serde_json::Value::Array(_) => value,
        serde_json::Value::Object(o) if o.contains_key("entries") => {
            match (o.get("schema").and_then(|s| s.as_str()), o.get("version").and_then(|v| v.as_u64())) {
                (Some(EXPORT_SCHEMA), Some(v)) if v == EXPORT_VERSION as u64 => {}
                (s, v) => return Err(Error::format("import", format!("not a TinyMLPerf export version {EXPORT_VERSION} (schema {s:?}, version {v:?})"))),
            }
            o["entries"].clone()
        }
        serde_json::Value::Object(_) => serde_json::Value::Array(vec![value]),
        _ => return Err(Error::format("import", "expected an export object, an array of entries or one entry")),
    };
    let n = list.as_array().map_or(0, Vec::len);
    if n > MAX_IMPORT_ENTRIES {
        return Err(Error::Limit { what: "entries in one import".into(), got: n as u64, limit: MAX_IMPORT_ENTRIES as u64 });
    }
    // Through text again (one deserializer for entries in the module, serde_json's from text).
    let entries: Vec<Entry> = serde_json::from_str(&list.to_string()).map_err(|e| Error::format("import", format!("an entry is malformed: {e}")))?;
    for e in &entries {
        e.validate()?;
    }
    Ok(entries)
}

/// Merges an import into `store` by [`entry_key`]: an entry whose team and artifact are already
/// stored (or earlier in the same file) counts as a duplicate and the stored one stays; the same
/// artifact under another team is added. All or nothing: any invalid entry fails the whole import
/// before the store is touched.
pub fn merge_json(store: &mut dyn EntryStore, text: &str) -> Result<Merge> {
    merge_json_from(store, text, None)
}

/// [`merge_json`] for entries arriving from outside this browser: each one is marked self-reported
/// from `source` (a file name, "share link", a board URL) whatever provenance it claims.
pub fn merge_json_from(store: &mut dyn EntryStore, text: &str, source: Option<&str>) -> Result<Merge> {
    let mut entries = parse_entries(text)?;
    if let Some(src) = source {
        entries = entries.into_iter().map(|e| e.as_self_reported(src)).collect();
    }
    let mut m = Merge { added: 0, duplicates: 0 };
    for e in entries {
        if store.insert(e) {
            m.added += 1;
        } else {
            m.duplicates += 1;
        }
    }
    Ok(m)
}

fn csv_field(s: &str) -> String {
    // Quote always; double inner quotes; neutralize spreadsheet formulas.
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// CSV export: one line per entry with the figures a spreadsheet wants.
pub fn export_csv(entries: &[Entry]) -> String {
    let mut out = String::from("hash,event,team,division,speedup,speedup_ci_lo,speedup_ci_hi,unstable,baseline_median_ms,entry_median_ms,accuracy,reference_accuracy,innovation,speed_score,composite,kernels,architecture,params,weight_bytes,seed,submitted_at,url,description,provenance,provenance_source,browser_engine\n");
    for e in entries {
        let t = &e.report.timing;
        let fields = [
            e.hash.clone(),
            e.event.as_str().into(),
            csv_field(&e.team),
            format!("{:?}", e.division()).to_lowercase(),
            format!("{:.4}", t.speedup),
            format!("{:.4}", t.speedup_ci[0]),
            format!("{:.4}", t.speedup_ci[1]),
            t.unstable.to_string(),
            format!("{:.6}", t.baseline.median_ms),
            format!("{:.6}", t.candidate.median_ms),
            format!("{:.4}", e.report.accuracy.candidate),
            format!("{:.4}", e.report.accuracy.reference),
            format!("{:.4}", e.innovation.score),
            format!("{:.4}", e.speed_score),
            format!("{:.4}", e.composite),
            e.report.kernels.clone(),
            csv_field(&e.architecture),
            e.params.to_string(),
            e.report.memory.weight_bytes.to_string(),
            e.report.seed.to_string(),
            format!("{:.0}", e.submitted_at),
            csv_field(&e.url),
            csv_field(&e.description),
            e.provenance.kind().into(),
            csv_field(&match &e.provenance {
                crate::submission::Provenance::SelfReported { source } => source.clone(),
                crate::submission::Provenance::Verified { run } => format!("verifier run, seed {}, {}, build {}", run.seed, run.engine, run.build_id),
                crate::submission::Provenance::MeasuredHere => "this browser".into(),
            }),
            csv_field(&crate::submission::provenance::engine_of(&e.report.environment.user_agent)),
        ];
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}
