//! Identity and history on the leaderboards: an entry is its team *and* its artifact
//! (`leaderboard::entry_key`), so two teams with the same built-in recipe are two rows; a team's
//! earlier submissions stay stored and each board shows the team's best by that board's own rule,
//! with the rest as the row's history; exports merge by that key, and re-importing changes nothing.
mod support;

use std::sync::OnceLock;
use tinymlperf::events::EventId;
use tinymlperf::leaderboard::{self, entry_key, normalize_team, store, Board, EntryStore, MemoryStore, Row};
use tinymlperf::profiler::HostClock;
use tinymlperf::scoring::{self, Division};
use tinymlperf::submission::{build_recipe, submit_entry, Entry, Recipe, Submission};

/// One real entry (INT8 recipe: innovation > 0), shared by the tests below.
fn entry() -> &'static Entry {
    static E: OnceLock<Entry> = OnceLock::new();
    E.get_or_init(|| {
        let s = Submission {
            team: "Team A".into(),
            event: "mlp_sprint".into(),
            description: "INT8 quantization".into(),
            url: String::new(),
            package_url: String::new(),
            budget_s: Some(1.0),
            seed: Some(7),
            submitted_at: Some(1.7e12),
            per_layer: false,
        };
        let bytes = build_recipe(&Recipe { event: EventId::MlpSprint, quantize: true, sparsity: 0.0, kernels: None }).unwrap();
        let e = submit_entry(&HostClock::new().unwrap(), &s, &bytes, &mut |_| {}).unwrap();
        assert!(e.innovation.score > 0.0, "the INT8 recipe scores on innovation");
        e
    })
}

/// A copy of the shared entry with another team, artifact and figures; scores recomputed so it
/// validates. `innovative: false` zeroes every technique's points (an fp32-like entry).
fn variant(team: &str, hash_byte: char, speedup: f64, innovative: bool, t: f64) -> Entry {
    let mut e = entry().clone();
    e.team = team.into();
    e.hash = hash_byte.to_string().repeat(64);
    e.submitted_at = t;
    if !innovative {
        for tq in &mut e.innovation.techniques {
            tq.points = 0.0;
        }
        e.innovation.score = 0.0;
    }
    support::retime(&mut e, speedup, false);
    e.validate().unwrap();
    e
}

fn unstable(mut e: Entry) -> Entry {
    let s = e.report.timing.speedup;
    support::retime(&mut e, s, true);
    e.validate().unwrap();
    e
}

/// (rank, team, hash's first character, history hashes' first characters) of each row.
fn view(rows: &[Row]) -> Vec<(Option<usize>, String, char, String)> {
    rows.iter().map(|r| (r.rank, r.team.clone(), r.hash.chars().next().unwrap(), r.history.iter().map(|h| h.hash.chars().next().unwrap()).collect())).collect()
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_key_is_the_normalized_team_and_the_artifact() {
    assert_eq!(normalize_team("  Team\t  TENSOR \n"), "team tensor");
    assert_eq!(normalize_team("ÉQUIPE  Ünïcode"), "equipe unicode", "Unicode lowercase, accents folded");
    let a = variant("Team A", 'a', 8.0, true, 1.0);
    let a_spaced = variant("  team   a ", 'a', 8.0, true, 2.0);
    let b = variant("Team B", 'a', 8.0, true, 3.0);
    assert_eq!(entry_key(&a), format!("{}:team a", "a".repeat(64)));
    assert_eq!(entry_key(&a), entry_key(&a_spaced), "one team however it is spelled");
    assert_ne!(entry_key(&a), entry_key(&b), "same artifact, another team: another entry");
    assert_ne!(entry_key(&a), entry_key(&variant("Team A", 'b', 8.0, true, 4.0)), "same team, another artifact");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn two_teams_with_the_same_artifact_are_two_rows() {
    let a = variant("Team A", 'a', 8.0, true, 1.0);
    let b = variant("Team B", 'a', 8.0, true, 2.0);
    let mut s = MemoryStore::default();
    assert!(s.insert(a.clone()));
    assert!(s.insert(b.clone()), "the second team's identical package is not a duplicate");
    assert!(!s.insert(variant("team a", 'a', 8.0, true, 3.0)), "the same team's same package is");
    assert!(s.contains(&entry_key(&b)) && !s.contains(&a.hash));
    assert_eq!(s.keys(), vec![entry_key(&a), entry_key(&b)]);
    let boards = leaderboard::boards(&s.entries(), EventId::MlpSprint);
    for (name, rows) in [("speed", &boards.speed), ("innovation", &boards.innovation), ("composite", &boards.composite)] {
        assert_eq!(rows.len(), 2, "{name}: two rows");
        assert_eq!((rows[0].team.as_str(), rows[1].team.as_str()), ("Team A", "Team B"), "{name}: equal values, the earlier first");
        assert_eq!(rows[0].hash, rows[1].hash, "{name}: Row.hash is the artifact");
        assert_eq!((rows[0].key.clone(), rows[1].key.clone()), (entry_key(&a), entry_key(&b)), "{name}: Row.key is the identity");
        assert!(rows.iter().all(|r| r.rank == Some(1) && r.tied && r.history.is_empty()), "{name}: {rows:#?}");
    }
    assert_eq!(boards.pareto, vec![a.hash.clone()], "the shared artifact is on the front once");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn names_that_look_the_same_are_one_team_so_a_team_cannot_take_several_rows() {
    // Played as a team that submits four entries under spellings the board would show alike: a
    // zero-width space, a Cyrillic о, a soft hyphen, fullwidth letters, a decomposed accent.
    let spellings = ["Team Tensor", "Team\u{200B} Tensor", "Team Tens\u{043E}r", "Team Tensor\u{00AD}", "Ｔｅａｍ Ｔｅｎｓｏｒ", "Te\u{0301}am Tensor", "𝐓𝐞𝐚𝐦 Tensor", "Team\u{2800}Tensor"];
    for s in spellings {
        assert_eq!(normalize_team(s), "team tensor", "{s:?}");
        tinymlperf::submission::check_text(s, "", "").unwrap_or_else(|e| panic!("{s:?} is a name a person may type: {e}"));
    }
    let mut es: Vec<Entry> = spellings.iter().enumerate().map(|(i, s)| variant(s, (b'1' + i as u8) as char, 30.0 - i as f64, false, i as f64)).collect();
    es.push(variant("Rival", '9', 25.5, false, 99.0));
    let b = leaderboard::boards(&es, EventId::MlpSprint);
    let rows = view(&b.speed);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0], (Some(1), "Team Tensor".into(), '1', "2345678".into()));
    assert_eq!((rows[1].0, rows[1].1.as_str()), (Some(2), "Rival"), "the rival keeps second place");
    // Different names stay different teams; a name of invisible characters only is refused.
    assert_ne!(normalize_team("Team Tensor"), normalize_team("Team Tensors"));
    assert_ne!(normalize_team("Команда"), normalize_team("Komanda"));
    let e = tinymlperf::submission::check_text("\u{200B}\u{2060}", "", "").unwrap_err().to_string();
    assert!(e.contains("team name has no visible character"), "{e}");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_team_shows_once_per_board_with_its_best_by_that_board_and_the_rest_as_history() {
    // Team A: a fast fp32-like entry and a slower INT8 one (more innovative); Team B in between.
    let es = vec![
        variant("Team A", 'a', 20.0, false, 1.0),
        variant("Team B", 'b', 12.0, true, 2.0),
        variant("team  a", 'c', 10.0, true, 3.0),
        variant("Team A", 'd', 4.0, false, 4.0),
    ];
    let b = leaderboard::boards(&es, EventId::MlpSprint);
    // Speed: A's fastest (a), its others best first (c 10×, d 4×); ranks over the shown rows only.
    assert_eq!(view(&b.speed), vec![(Some(1), "Team A".into(), 'a', "cd".into()), (Some(2), "Team B".into(), 'b', String::new())]);
    let h = &b.speed[0].history;
    assert_eq!(h.iter().map(|x| x.value).collect::<Vec<_>>(), vec![10.0, 4.0], "history values are this board's");
    assert_eq!(h[0].team, "team  a", "as that entry spelled it");
    assert_eq!(h[0].key, entry_key(&es[2]));
    assert_eq!((h[0].submitted_at, h[0].ci, h[0].ranked, h[0].unstable), (3.0, Some(es[2].report.timing.speedup_ci), true, false));
    assert_eq!((b.speed[0].key.clone(), b.speed[0].submitted_at), (entry_key(&es[0]), 1.0));
    // Innovation: A's most innovative is c (tied with B's b on score; b was earlier), then a and d
    // (no innovation, a earlier) in its history. A tie shares the rank.
    assert_eq!(view(&b.innovation), vec![(Some(1), "Team B".into(), 'b', String::new()), (Some(1), "team  a".into(), 'c', "ad".into())]);
    assert!(b.innovation.iter().all(|r| r.tied));
    assert!(b.innovation[1].history.iter().all(|x| x.value == 0.0 && x.ci.is_none()));
    // Composite: 0.7·speed score + 0.3·innovation decides A's best by its own rule.
    let best = es.iter().filter(|e| normalize_team(&e.team) == "team a").max_by(|x, y| leaderboard::Board::Composite.value(x).total_cmp(&Board::Composite.value(y))).unwrap();
    let row_a = b.composite.iter().find(|r| normalize_team(&r.team) == "team a").unwrap();
    assert_eq!(row_a.hash, best.hash);
    assert_eq!(row_a.history.len(), 2);
    assert!(row_a.history.windows(2).all(|w| w[0].value >= w[1].value) && row_a.value >= row_a.history[0].value, "best first");
    assert_eq!(b.composite.len(), 2);
    // Every entry is either shown or in a row's history, on every board.
    for rows in [&b.speed, &b.innovation, &b.composite] {
        let mut keys: Vec<String> = rows.iter().flat_map(|r| std::iter::once(r.key.clone()).chain(r.history.iter().map(|x| x.key.clone()))).collect();
        keys.sort();
        let mut want: Vec<String> = es.iter().map(entry_key).collect();
        want.sort();
        assert_eq!(keys, want);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn ranks_and_ties_are_over_team_rows_and_divisions_and_unstable_runs_stay_apart() {
    let mut lossy = variant("Team A", 'e', 40.0, false, 5.0);
    lossy.report.accuracy.candidate -= 0.05;
    lossy.report.accuracy.delta_pp -= 5.0;
    lossy.gate = scoring::gate_report(&lossy.report);
    lossy.validate().unwrap();
    assert_eq!(lossy.division(), Division::Open);
    let es = vec![
        variant("Team A", 'a', 10.0, false, 1.0),
        variant("Team A", 'b', 6.0, false, 2.0),
        variant("Team B", 'c', 10.0, false, 3.0),
        variant("Team C", 'd', 8.0, false, 4.0),
        lossy,
        unstable(variant("Team C", 'f', 50.0, false, 6.0)),
        unstable(variant("Team D", '9', 9.0, false, 7.0)),
    ];
    let speed = leaderboard::rank(&es, EventId::MlpSprint, Board::Speed);
    assert_eq!(view(&speed), vec![
        (Some(1), "Team A".into(), 'a', "b".into()),
        (Some(1), "Team B".into(), 'c', String::new()),
        // C's unstable 50× run is not ranked on speed: its stable 8× run is its row, the other history.
        (Some(3), "Team C".into(), 'd', "f".into()),
        // A's open-division entry is a row of its own, ranked among open entries.
        (Some(1), "Team A".into(), 'e', String::new()),
        (None, "Team D".into(), '9', String::new()),
    ]);
    assert!(speed[0].tied && speed[1].tied && !speed[2].tied && !speed[3].tied && !speed[4].tied);
    assert!(!speed[2].history[0].ranked && speed[2].history[0].unstable);
    assert_eq!(speed[3].division, Division::Open);
    assert!(speed[4].note.as_deref().unwrap().starts_with("not ranked"));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn an_export_with_both_teams_merges_both_and_reimporting_changes_nothing() {
    let es = vec![
        variant("Team A", 'a', 8.0, true, 1.0),
        variant("Team B", 'a', 8.0, true, 2.0),
        variant("Team A", 'b', 9.0, false, 3.0),
    ];
    let text = store::export_json(&es).unwrap();
    let mut s = MemoryStore::default();
    let m = store::merge_json(&mut s, &text).unwrap();
    assert_eq!((m.added, m.duplicates), (3, 0), "both teams' copies of one artifact are kept");
    assert_eq!(s.entries(), es);
    // Re-import: idempotent, in any store that already has some of them.
    let m = store::merge_json(&mut s, &text).unwrap();
    assert_eq!((m.added, m.duplicates), (0, 3));
    assert_eq!(s.entries(), es);
    let mut partial = MemoryStore::default();
    partial.insert(es[1].clone());
    let m = store::merge_json(&mut partial, &text).unwrap();
    assert_eq!((m.added, m.duplicates), (2, 1));
    assert_eq!(partial.entries().len(), 3);
    // Within one file: the same team (however spelled) and artifact count once, the first stays.
    let twice = store::export_json(&[es[0].clone(), variant(" TEAM a", 'a', 3.0, true, 9.0)]).unwrap();
    let mut fresh = MemoryStore::default();
    let m = store::merge_json(&mut fresh, &twice).unwrap();
    assert_eq!((m.added, m.duplicates), (1, 1));
    assert_eq!(fresh.entries()[0].team, "Team A");
    // The merged store's boards: A once with one earlier entry, B once.
    let b = leaderboard::boards(&s.entries(), EventId::MlpSprint);
    assert_eq!(b.speed.len(), 2);
    assert_eq!(b.speed.iter().map(|r| r.history.len()).collect::<Vec<_>>(), vec![1, 0]);
}
