//! Leaderboards per event: speed, innovation and composite, ranked with ties shown; unstable runs and
//! open-division entries are listed but never ranked with closed, stable entries. Entries live in an
//! [`EntryStore`] (in memory here; the page keeps them in IndexedDB) and travel as JSON exports that
//! merge by [`entry_key`] ([`store`]).
//!
//! Identity and history: an entry is identified by its team *and* its artifact ([`entry_key`]: the
//! normalized team name and the package hash), so two teams submitting the same built-in recipe are
//! two entries. Every submission stays stored; each board shows one row per team and division (the
//! team's best entry by that board's rule) and carries the team's other entries there as
//! [`Row::history`], best first.
pub mod store;

pub use store::{export_csv, export_json, merge_json, merge_json_from, EntryStore, Merge, MemoryStore};

use crate::events::EventId;
use crate::scoring::Division;
use crate::submission::Entry;
use serde::{Deserialize, Serialize};

/// Which figure a board ranks by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Board {
    /// Speedup over the in-browser baseline.
    Speed,
    /// Innovation score.
    Innovation,
    /// 0.7 · speed score + 0.3 · innovation.
    Composite,
}

impl Board {
    /// The ranked value of an entry, rounded to the precision shown (equal shown values tie).
    pub fn value(self, e: &Entry) -> f64 {
        match self {
            Board::Speed => (e.report.timing.speedup * 100.0).round() / 100.0,
            Board::Innovation => (e.innovation.score * 1000.0).round() / 1000.0,
            Board::Composite => (e.composite * 1000.0).round() / 1000.0,
        }
    }
}

pub use crate::submission::team::normalize_team;

/// An entry's identity: the normalized team ([`normalize_team`]) and the artifact hash, as
/// `"<hash>:<team>"` (the hash is 64 hex digits, so the key splits unambiguously). The same package
/// submitted by two teams gives two keys; one team submitting it twice gives one.
pub fn entry_key(e: &Entry) -> String {
    format!("{}:{}", e.hash, normalize_team(&e.team))
}

/// One of a team's other entries on a board, listed under its best one ([`Row::history`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryItem {
    /// Artifact hash.
    pub hash: String,
    /// [`entry_key`] of the entry.
    pub key: String,
    /// The team as that entry spelled it.
    pub team: String,
    /// Its value on this board (same rounding as [`Row::value`]).
    pub value: f64,
    /// The speedup's 95% interval (speed board only).
    pub ci: Option<[f64; 2]>,
    /// True when its timing was flagged unstable.
    pub unstable: bool,
    /// Whether this board would rank it (false: unstable timing on speed and composite).
    pub ranked: bool,
    /// ms since the Unix epoch.
    pub submitted_at: f64,
}

/// One line of a board: a team's best entry of a division by the board's rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// 1-based rank within the entry's division (competition ranking: 1, 2, 2, 4); `None` when the
    /// entry is not ranked (unstable timing).
    pub rank: Option<usize>,
    /// True when another ranked entry of the division shows the same value.
    pub tied: bool,
    /// Artifact hash of the entry shown.
    pub hash: String,
    /// [`entry_key`] of the entry shown.
    #[serde(default)]
    pub key: String,
    /// Team.
    pub team: String,
    /// The ranked value (speedup, or score in `[0, 1]`).
    pub value: f64,
    /// The speedup's 95% interval (speed board only).
    pub ci: Option<[f64; 2]>,
    /// True when the timing was flagged unstable.
    pub unstable: bool,
    /// The entry's division.
    pub division: Division,
    /// Why it is unranked or in the open division, in words (the engine's reason; where its figures
    /// come from is [`Row::provenance`]).
    pub note: Option<String>,
    /// When the entry shown was submitted (ms since the Unix epoch).
    #[serde(default)]
    pub submitted_at: f64,
    /// The team's other entries of this division for the event, best first by this board's rule
    /// (the order the board itself uses); empty when the team has one.
    #[serde(default)]
    pub history: Vec<HistoryItem>,
    /// `measured_here`, `self_reported` or `verified` (self-reported rows are ranked apart, after
    /// every measured one).
    #[serde(default)]
    pub provenance: String,
    /// Browser engine that measured it (`Chromium 156`).
    #[serde(default)]
    pub engine: String,
}

/// The three boards of one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Boards {
    /// Event id.
    pub event: EventId,
    /// By speedup.
    pub speed: Vec<Row>,
    /// By innovation score.
    pub innovation: Vec<Row>,
    /// By composite.
    pub composite: Vec<Row>,
    /// Hashes of the entries on the accuracy × latency × model-size Pareto front: no other entry of
    /// the event is at least as accurate, as fast and as small, and better in one of them.
    pub pareto: Vec<String>,
    /// The self-reported rows of each board again, grouped by the browser engine that measured them
    /// ([`by_engine`]): the page's "Group by browser" view.
    #[serde(default)]
    pub self_reported_by_engine: EngineGroups,
}

/// Self-reported entries of one board measured in one browser engine, ranked among themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineGroup {
    /// The engine, as [`Row::engine`] names it (`Chromium 156`, `Firefox 153`, `unknown`).
    pub engine: String,
    /// How many of the event's entries (rows and their history) it holds.
    pub entries: usize,
    /// Its rows, ranked as [`rank`] ranks the self-reported group, ranks restarting in this group.
    pub rows: Vec<Row>,
}

/// [`EngineGroup`]s of the three boards of one event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EngineGroups {
    /// Speed board.
    pub speed: Vec<EngineGroup>,
    /// Innovation board.
    pub innovation: Vec<EngineGroup>,
    /// Composite board.
    pub composite: Vec<EngineGroup>,
}

/// Self-reported entries of `event` grouped by browser engine (from the user agent each was measured
/// in), each group ranked on `board` on its own as [`rank`] ranks self-reported rows (one row per team
/// and division, divisions and unstable runs apart, ranks restarting in every group): a speedup
/// claimed in Firefox is then compared with other Firefox claims. Groups with more entries come
/// first, then by engine name; `unknown` is last. Entries with the same [`entry_key`] count once (the
/// first), as in [`rank`]. Entries measured here or verified are not in any group.
pub fn by_engine(entries: &[Entry], event: EventId, board: Board) -> Vec<EngineGroup> {
    let mut seen = std::collections::HashSet::new();
    let mut groups: Vec<(String, Vec<Entry>)> = Vec::new();
    for e in entries.iter().filter(|e| e.event == event) {
        if !seen.insert(entry_key(e)) || e.provenance.is_measured() {
            continue;
        }
        let engine = crate::submission::provenance::engine_of(&e.report.environment.user_agent);
        match groups.iter_mut().find(|(g, _)| *g == engine) {
            Some((_, list)) => list.push(e.clone()),
            None => groups.push((engine, vec![e.clone()])),
        }
    }
    groups.sort_by(|(a, la), (b, lb)| (a == "unknown").cmp(&(b == "unknown")).then(lb.len().cmp(&la.len())).then(a.cmp(b)));
    groups.into_iter().map(|(engine, list)| EngineGroup { engine, entries: list.len(), rows: rank(&list, event, board) }).collect()
}

/// `(accuracy, median latency, weight bytes)` of an entry: higher, lower, lower is better.
fn pareto_point(e: &Entry) -> (f64, f64, f64) {
    (e.report.accuracy.candidate, e.report.timing.candidate.median_ms, e.report.memory.weight_bytes as f64)
}

/// The hashes of `event`'s entries that no other entry dominates (see [`Boards::pareto`]), in
/// submission order, each hash once.
pub fn pareto_front(entries: &[Entry], event: EventId) -> Vec<String> {
    let es: Vec<&Entry> = entries.iter().filter(|e| e.event == event).collect();
    let dominates = |a: (f64, f64, f64), b: (f64, f64, f64)| a.0 >= b.0 && a.1 <= b.1 && a.2 <= b.2 && (a.0 > b.0 || a.1 < b.1 || a.2 < b.2);
    let mut front: Vec<&Entry> = es.iter().copied().filter(|e| !es.iter().any(|o| dominates(pareto_point(o), pareto_point(e)))).collect();
    front.sort_by(|a, b| a.submitted_at.total_cmp(&b.submitted_at));
    // Two teams may submit the same artifact: list its hash once.
    let mut seen = std::collections::HashSet::new();
    front.into_iter().filter(|e| seen.insert(e.hash.as_str())).map(|e| e.hash.clone()).collect()
}

/// Ranks `entries` of `event` on one board: one row per team and division, the team's best entry by
/// the board's rule, with its other entries in [`Row::history`]. Closed stable rows first (ranked),
/// then open-division rows (ranked among themselves), then unstable ones (unranked); then the same
/// three groups again for self-reported entries, ranked only among themselves. Within a value,
/// earlier submissions are listed first. Entries with the same [`entry_key`] count once (the first).
pub fn rank(entries: &[Entry], event: EventId, board: Board) -> Vec<Row> {
    let mut seen = std::collections::HashSet::new();
    let mut es: Vec<(&Entry, String)> = entries.iter().filter(|e| e.event == event).map(|e| (e, entry_key(e))).filter(|(_, k)| seen.insert(k.clone())).collect();
    // Speed and composite depend on the timing; innovation does not, so an unstable run still ranks there.
    let ranked = |e: &Entry| board == Board::Innovation || !e.report.timing.unstable;
    // Figures measured here or by a verifier rank first; self-reported ones (imports, links, course
    // boards) are ranked only among themselves, below, and never as if measured here.
    let group = |e: &Entry| {
        let g = match (ranked(e), e.division()) {
            (true, Division::Closed) => 0u8,
            (true, Division::Open) => 1,
            (false, _) => 2,
        };
        if e.provenance.is_measured() { g } else { g + 3 }
    };
    let unranked = |g: u8| g % 3 == 2;
    es.sort_by(|(a, _), (b, _)| group(a).cmp(&group(b)).then(board.value(b).total_cmp(&board.value(a))).then(a.submitted_at.total_cmp(&b.submitted_at)).then(a.hash.cmp(&b.hash)));
    // In that order, a team's first entry of a division is its best; the rest become its history.
    let mut best: Vec<(&Entry, &str, Vec<HistoryItem>)> = Vec::new();
    let mut slot: std::collections::HashMap<(String, Division, bool), usize> = std::collections::HashMap::new();
    for (e, key) in &es {
        match slot.get(&(normalize_team(&e.team), e.division(), e.provenance.is_measured())) {
            Some(&i) => best[i].2.push(HistoryItem {
                hash: e.hash.clone(),
                key: key.clone(),
                team: e.team.clone(),
                value: board.value(e),
                ci: (board == Board::Speed).then_some(e.report.timing.speedup_ci),
                unstable: e.report.timing.unstable,
                ranked: ranked(e),
                submitted_at: e.submitted_at,
            }),
            None => {
                slot.insert((normalize_team(&e.team), e.division(), e.provenance.is_measured()), best.len());
                best.push((e, key, Vec::new()));
            }
        }
    }
    // The rows are sorted by group, then value: equal (group, value) pairs are neighbours, so ranks
    // and ties come from one pass (competition ranking: the rank of the first row with the value).
    let keys: Vec<(u8, f64)> = best.iter().map(|(e, _, _)| (group(e), board.value(e))).collect();
    let mut rows: Vec<Row> = Vec::with_capacity(best.len());
    let mut in_group = 0;
    for (i, (e, key, history)) in best.into_iter().enumerate() {
        let (g, v) = keys[i];
        if i == 0 || keys[i - 1].0 != g {
            in_group = 0;
        }
        in_group += 1;
        let same_as_prev = i > 0 && keys[i - 1] == (g, v);
        let rank = match (unranked(g), rows.last()) {
            (true, _) => None,
            (_, Some(prev)) if same_as_prev => prev.rank,
            _ => Some(in_group),
        };
        let tied = !unranked(g) && (same_as_prev || keys.get(i + 1) == Some(&(g, v)));
        // Where the figures come from is the row's `provenance` (the page's badge line and the
        // self-reported heading say it): the note is only the reason a row is unranked or open.
        let note = match (unranked(g), e.division()) {
            (true, _) => Some(format!("not ranked: {}", e.report.timing.unstable_reason.clone().unwrap_or_else(|| "unstable timing".into()))),
            (_, Division::Open) => Some(e.gate.reason.clone()),
            _ => None,
        };
        rows.push(Row {
            rank,
            tied,
            hash: e.hash.clone(),
            key: key.to_string(),
            team: e.team.clone(),
            value: v,
            ci: (board == Board::Speed).then_some(e.report.timing.speedup_ci),
            unstable: e.report.timing.unstable,
            division: e.division(),
            note,
            submitted_at: e.submitted_at,
            history,
            provenance: e.provenance.kind().to_string(),
            engine: crate::submission::provenance::engine_of(&e.report.environment.user_agent),
        });
    }
    rows
}

/// All three boards of an event.
pub fn boards(entries: &[Entry], event: EventId) -> Boards {
    Boards {
        event,
        speed: rank(entries, event, Board::Speed),
        innovation: rank(entries, event, Board::Innovation),
        composite: rank(entries, event, Board::Composite),
        pareto: pareto_front(entries, event),
        self_reported_by_engine: EngineGroups {
            speed: by_engine(entries, event, Board::Speed),
            innovation: by_engine(entries, event, Board::Innovation),
            composite: by_engine(entries, event, Board::Composite),
        },
    }
}
