//! Peer-educator sessions end to end: three educators on two tablets, with overlapping
//! attendees, work offline, close sessions (one tablet before it ever logged in), correct one,
//! and sync later, one tablet through a proxy that drops the hub's answers after it committed (so
//! sessions are sent twice). The hub's reach then equals the true unique counts, and none of the
//! attendee codes can be found in any file of the tablets, in any decrypted page of their
//! databases, or in the hub's database.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use corridor_core::codes::ClientCode;
use corridor_core::pin::Pin;
use corridor_core::platform::SoftwareKeyStrengthener;
use corridor_core::runtime::block_on;
use corridor_core::sessions::tablet::{self, SessionState};
use corridor_core::sessions::upload::{AgeBand, Commodity, Gender, SessionKind};
use corridor_core::sync::wire::{SecretString, Uuid};
use corridor_core::sync::{account, outbox, Backoff, ClientOptions, HubClient, HubUrl};
use corridor_core::testing::{raw_files_contain, scan_decrypted, ManualClock};
use corridor_core::vault::{ProfileSelector, Session, Vault, VaultOptions};
use corridor_tests::content::{ok, Programme};
use corridor_tests::corridor;
use corridor_tests::proxy::{FaultProxy, Faults};

const PASSWORD: &str = "a long enough password";
/// 2026-09-15 10:00 in the programme's time (UTC+2).
const SEPTEMBER: i64 = 1_789_459_200;
/// 2026-10-10 10:00 in the programme's time.
const OCTOBER: i64 = 1_791_619_200;
const DAY: i64 = 86_400;

struct Tablet {
    dir: tempfile::TempDir,
    vault: Vault,
    clock: Arc<ManualClock>,
}

fn tablet(programme: &Programme, educators: &[(&str, &str)]) -> Tablet {
    let dir = tempfile::tempdir().unwrap();
    for (name, pin) in educators {
        ok(corridor(
            dir.path(),
            &[("CORRIDOR_PIN", pin)],
            &["setup", "--role", "educator", "--name", name],
        ));
    }
    let root = programme.repo().join("root/1.json");
    ok(corridor(dir.path(), &[], &["content", "trust", root.to_str().unwrap()]));
    ok(corridor(
        dir.path(),
        &[],
        &["content", "update", "--from", &programme.url()],
    ));
    let clock = ManualClock::new(SEPTEMBER);
    let strengthener = Arc::new(SoftwareKeyStrengthener::in_data_dir(dir.path()).unwrap());
    let options = VaultOptions {
        clock: clock.clone(),
        ..VaultOptions::default()
    };
    let vault = Vault::open(dir.path(), strengthener, options).unwrap();
    Tablet { dir, vault, clock }
}

fn unlock(tablet: &Tablet, name: &str, pin: &str) -> Session {
    let id = tablet.vault.find_educator(name).unwrap();
    block_on(
        tablet
            .vault
            .unlock(Pin::normalise(pin).unwrap(), ProfileSelector::Id(id)),
    )
    .unwrap()
}

fn add_hub_user(programme: &Programme, username: &str, sites: &[&str]) {
    let scratch = tempfile::tempdir().unwrap();
    let data = programme.hub.data.to_str().unwrap().to_string();
    let mut args = vec!["hub", "user", "add", "--data", &data, "--role", "educator"];
    for site in sites {
        args.extend(["--site", site]);
    }
    args.push(username);
    ok(corridor(scratch.path(), &[("CORRIDOR_HUB_PASSWORD", PASSWORD)], &args));
}

fn login(tablet: &Tablet, client: &HubClient, username: &str) {
    block_on(account::login(
        tablet.vault.device_store().unwrap(),
        client,
        username,
        &SecretString::new(PASSWORD.into()),
        "tablet",
    ))
    .unwrap();
}

/// One attendance as the hub should count it (after corrections).
#[derive(Clone)]
struct Seen {
    month: &'static str,
    site: &'static str,
    at: i64,
    code: usize,
    gender: Option<Gender>,
}

/// What one recorded session holds: attendees (code index, gender), walk-ins.
struct Plan {
    site: &'static str,
    at: i64,
    attendees: Vec<(usize, Option<Gender>)>,
    walk_ins: Vec<(Gender, AgeBand, i64)>,
}

fn record(session: &Session, clock: &ManualClock, codes: &[String], plan: &Plan) -> Uuid {
    clock.set_wall(plan.at);
    let id = tablet::start(session, plan.site, SessionKind::Group, &["pep".into()]).unwrap();
    for (code, gender) in &plan.attendees {
        tablet::attend(session, &codes[*code], *gender, Some(AgeBand::From25To29)).unwrap();
    }
    for (gender, band, count) in &plan.walk_ins {
        tablet::walk_ins(session, *gender, *band, *count).unwrap();
    }
    tablet::commodity(session, Commodity::MaleCondoms, 20).unwrap();
    tablet::set_notes(session, Some("met at the truck stop")).unwrap();
    clock.set_wall(plan.at + 2 * 3600);
    tablet::close(session).unwrap();
    id
}

fn month_of(at: i64) -> &'static str {
    if at < OCTOBER - 10 * DAY {
        "2026-09"
    } else {
        "2026-10"
    }
}

fn seen_of(plan: &Plan) -> Vec<Seen> {
    plan.attendees
        .iter()
        .map(|(code, gender)| Seen {
            month: month_of(plan.at),
            site: plan.site,
            at: plan.at,
            code: *code,
            gender: *gender,
        })
        .collect()
}

/// The reach rows the definitions give (`docs/reach.md`): (site, gender) → (first-time,
/// returning), for the months in `period`; site "all" counts people once across sites.
fn expected_reach(seen: &[Seen], period: &[&str]) -> BTreeMap<(String, String), (u64, u64)> {
    let in_period: Vec<&Seen> = seen.iter().filter(|s| period.contains(&s.month)).collect();
    let first_month = period.iter().min().unwrap();
    let mut gender_of: BTreeMap<usize, (i64, String)> = BTreeMap::new();
    for s in &in_period {
        let entry = gender_of.entry(s.code).or_insert((i64::MIN, "unknown".into()));
        if let Some(gender) = s.gender {
            if s.at >= entry.0 {
                *entry = (s.at, gender.as_str().to_string());
            }
        }
    }
    let returning = |code: usize| seen.iter().any(|s| s.code == code && s.month < *first_month);
    let mut people: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    for s in &in_period {
        people.entry(s.site.to_string()).or_default().insert(s.code);
        people.entry("all".into()).or_default().insert(s.code);
    }
    let mut rows = BTreeMap::new();
    for (site, codes) in people {
        for code in codes {
            let gender = gender_of[&code].1.clone();
            let row = rows.entry((site.clone(), gender)).or_insert((0, 0));
            if returning(code) {
                row.1 += 1;
            } else {
                row.0 += 1;
            }
        }
    }
    rows
}

/// `hub reach --csv` as (site, gender) → (first-time, returning, walk-ins).
fn hub_reach(programme: &Programme, period: &[&str]) -> BTreeMap<(String, String), (u64, u64, i64)> {
    let scratch = tempfile::tempdir().unwrap();
    let data = programme.hub.data.to_str().unwrap().to_string();
    let mut args = vec!["hub", "reach", "--data", &data, "--csv"];
    args.extend(period);
    let run = ok(corridor(scratch.path(), &[], &args));
    let mut lines = run.stdout.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("{name} in {header:?}"))
    };
    let (site, gender, first, returning, walk_ins) = (
        column("site"),
        column("gender"),
        column("first_time"),
        column("returning"),
        column("walk_ins"),
    );
    let mut rows = BTreeMap::new();
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        rows.insert(
            (cells[site].to_string(), cells[gender].to_string()),
            (
                cells[first].parse().unwrap(),
                cells[returning].parse().unwrap(),
                cells[walk_ins].parse().unwrap(),
            ),
        );
    }
    rows
}

#[test]
fn three_educators_on_two_tablets_give_true_reach_and_leave_no_code_anywhere() {
    let programme = Programme::new();
    add_hub_user(&programme, "tablet-a", &["beitbridge", "victoria-falls"]);
    add_hub_user(&programme, "tablet-b", &["beitbridge", "ngodwana"]);
    let codes: Vec<String> = (0..10)
        .map(|_| ClientCode::generate().unwrap().as_str().to_string())
        .collect();
    let a = tablet(&programme, &[("Ana", "482916"), ("Chipo", "730184")]);
    let b = tablet(&programme, &[("Dudu", "615209")]);
    let hub_client = HubClient::new(HubUrl::parse(&programme.hub.url()).unwrap(), ClientOptions::default()).unwrap();
    let mut seen: Vec<Seen> = Vec::new();

    // September: tablet A is logged in; Ana's session goes at once.
    login(&a, &hub_client, "tablet-a");
    let ana = unlock(&a, "Ana", "482916");
    let september = Plan {
        site: "beitbridge",
        at: SEPTEMBER,
        attendees: vec![(0, Some(Gender::Female)), (1, Some(Gender::Male))],
        walk_ins: vec![],
    };
    record(&ana, &a.clock, &codes, &september);
    seen.extend(seen_of(&september));
    assert_eq!(block_on(tablet::sync(&ana, &hub_client)).unwrap().sent, 1);

    // October, offline for days. Tablet A seals at close (it has the hub's key).
    let ana_october = Plan {
        site: "beitbridge",
        at: OCTOBER,
        attendees: vec![
            (0, Some(Gender::Female)),
            (2, Some(Gender::Female)),
            (3, Some(Gender::Transgender)),
        ],
        walk_ins: vec![(Gender::Female, AgeBand::From18To24, 2)],
    };
    let ana_session = record(&ana, &a.clock, &codes, &ana_october);
    assert_eq!(
        tablet::summary(&ana, ana_session).unwrap().unwrap().state,
        SessionState::Queued
    );
    // Code 2 was recorded at Ana's session by mistake; code 8 was missed.
    a.clock.set_wall(OCTOBER + 3 * DAY);
    tablet::correct(&ana, ana_session).unwrap();
    tablet::remove_attendee(&ana, &codes[2]).unwrap();
    tablet::attend(&ana, &codes[8], Some(Gender::Female), None).unwrap();
    tablet::close(&ana).unwrap();
    seen.extend(seen_of(&ana_october).into_iter().filter(|s| s.code != 2));
    seen.push(Seen {
        month: "2026-10",
        site: "beitbridge",
        at: OCTOBER,
        code: 8,
        gender: Some(Gender::Female),
    });
    ana.lock();

    let chipo = unlock(&a, "Chipo", "730184");
    let chipo_october = Plan {
        site: "victoria-falls",
        at: OCTOBER + DAY,
        attendees: vec![(2, Some(Gender::Female)), (4, Some(Gender::Male)), (5, None)],
        walk_ins: vec![],
    };
    record(&chipo, &a.clock, &codes, &chipo_october);
    seen.extend(seen_of(&chipo_october));
    assert_eq!(
        tablet::list(&chipo).unwrap().len(),
        1,
        "Chipo sees only her own session"
    );

    // Tablet B has never logged in: Dudu's sessions wait, closed, in his profile.
    let dudu = unlock(&b, "Dudu", "615209");
    let dudu_beitbridge = Plan {
        site: "beitbridge",
        at: OCTOBER + 5 * DAY,
        // Code 0 again, now recorded as male: the most recent record counts.
        attendees: vec![
            (0, Some(Gender::Male)),
            (3, Some(Gender::Transgender)),
            (6, Some(Gender::Female)),
        ],
        walk_ins: vec![(Gender::Male, AgeBand::From25To29, 1)],
    };
    let dudu_ngodwana = Plan {
        site: "ngodwana",
        at: OCTOBER + 6 * DAY,
        attendees: vec![(6, Some(Gender::Female)), (7, Some(Gender::Other))],
        walk_ins: vec![],
    };
    for plan in [&dudu_beitbridge, &dudu_ngodwana] {
        record(&dudu, &b.clock, &codes, plan);
        seen.extend(seen_of(plan));
    }
    assert!(tablet::list(&dudu)
        .unwrap()
        .iter()
        .all(|s| s.state == SessionState::Closed));

    // Tablet B logs in through a network that loses the hub's answers after the hub committed:
    // sessions are sent again, and the hub counts each once.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let proxy = runtime.block_on(FaultProxy::start(
        programme.hub.addr,
        Faults {
            drop_after_commit: 0.5,
            ..Faults::default()
        },
        3,
    ));
    let proxy_client = HubClient::new(HubUrl::parse(&proxy.url()).unwrap(), ClientOptions::default()).unwrap();
    let mut logged_in = false;
    for _ in 0..20 {
        let attempt = block_on(account::login(
            b.vault.device_store().unwrap(),
            &proxy_client,
            "tablet-b",
            &SecretString::new(PASSWORD.into()),
            "tablet",
        ));
        if attempt.is_ok() {
            logged_in = true;
            break;
        }
    }
    assert!(logged_in, "a login gets through in twenty tries");
    // The first syncs may lose the intake key's answer too: the sessions wait, closed, until
    // a sync gets it and seals them.
    for _ in 0..20 {
        let _ = block_on(tablet::sync(&dudu, &proxy_client));
        if tablet::list(&dudu)
            .unwrap()
            .iter()
            .all(|s| s.state != SessionState::Closed)
        {
            break;
        }
    }
    assert!(
        tablet::list(&dudu)
            .unwrap()
            .iter()
            .all(|s| s.state != SessionState::Closed),
        "a sync gets the intake key in twenty tries"
    );
    dudu.lock();
    // What a background job does while the profile is locked.
    let drained = block_on(outbox::drain(
        b.vault.device_store().unwrap(),
        &proxy_client,
        outbox::DrainOptions {
            backoff: Backoff {
                base: Duration::from_millis(5),
                cap: Duration::from_millis(100),
            },
            keep_trying_for: Some(Duration::from_secs(60)),
        },
        &mut |_, _| {},
    ))
    .unwrap();
    assert_eq!(drained.pending, 0);
    assert!(
        proxy
            .counts
            .dropped_after_commit
            .load(std::sync::atomic::Ordering::Relaxed)
            > 0,
        "some answers were lost after the hub committed ({} connections)",
        proxy.counts.connections.load(std::sync::atomic::Ordering::Relaxed)
    );
    // Dudu opens his profile: his sessions are sent and their codes go.
    let dudu = unlock(&b, "Dudu", "615209");
    assert!(tablet::list(&dudu)
        .unwrap()
        .iter()
        .all(|s| s.state == SessionState::Sent));

    // Tablet A syncs, Ana twice; Chipo's session goes with Ana's sync (the outbox is the
    // tablet's) and its codes go when she next opens her profile.
    let ana = unlock(&a, "Ana", "482916");
    let first = block_on(tablet::sync(&ana, &hub_client)).unwrap();
    assert_eq!((first.sent, first.waiting), (2, 0));
    let again = block_on(tablet::sync(&ana, &hub_client)).unwrap();
    assert_eq!((again.queued, again.sent, again.waiting), (0, 0, 0));
    let chipo = unlock(&a, "Chipo", "730184");
    assert!(tablet::list(&chipo)
        .unwrap()
        .iter()
        .all(|s| s.state == SessionState::Sent));
    let numbers = tablet::stats(&ana, Some("2026-10")).unwrap();
    assert_eq!((numbers.sessions, numbers.corrections, numbers.attendances), (1, 1, 3));
    assert_eq!(numbers.waiting, 0);

    // Reach at the hub equals the true counts.
    for period in [vec!["--month", "2026-10"], vec!["--quarter", "2026-Q4"]] {
        let reach = hub_reach(&programme, &period);
        let expected = expected_reach(&seen, &["2026-10"]);
        for ((site, gender), (first_time, returning)) in &expected {
            let got = reach
                .get(&(site.clone(), gender.clone()))
                .unwrap_or_else(|| panic!("no row for {site} {gender} in {reach:?}"));
            assert_eq!(
                (got.0, got.1),
                (*first_time, *returning),
                "{site} {gender} ({period:?})"
            );
        }
        let people: u64 = reach
            .iter()
            .filter(|((site, _), _)| site == "all")
            .map(|(_, row)| row.0 + row.1)
            .sum();
        assert_eq!(people, 8, "eight different people with a code in October");
        let walk_ins: i64 = reach
            .iter()
            .filter(|((site, _), _)| site == "all")
            .map(|(_, row)| row.2)
            .sum();
        assert_eq!(walk_ins, 3);
        assert_eq!(
            reach[&("all".to_string(), "male".to_string())].0 + reach[&("all".to_string(), "male".to_string())].1,
            2,
            "code 0 counts as male (most recent), with code 4"
        );
    }
    let september_reach = hub_reach(&programme, &["--month", "2026-09"]);
    let expected = expected_reach(&seen, &["2026-09"]);
    for ((site, gender), (first_time, returning)) in &expected {
        let got = &september_reach[&(site.clone(), gender.clone())];
        assert_eq!(
            (got.0, got.1),
            (*first_time, *returning),
            "{site} {gender} in September"
        );
    }

    // No attendee code anywhere: not in any file of either tablet, not in any decrypted page of
    // the educators' databases or the device stores, not in the hub's database.
    for tablet in [&a, &b] {
        let (device_db, device_key) = tablet.vault.testing_device_database().unwrap();
        let device_pages = scan_decrypted(&device_db, &device_key).unwrap();
        for code in &codes {
            assert!(raw_files_contain(tablet.dir.path(), code).unwrap().is_empty());
            assert!(!device_pages.contains(code.as_bytes()));
        }
    }
    for session in [&ana, &chipo, &dudu] {
        let (path, key) = session.testing_database().unwrap();
        let pages = scan_decrypted(&path, &key).unwrap();
        for code in &codes {
            assert!(!pages.contains(code.as_bytes()), "a code in a decrypted page");
        }
        assert!(!pages.contains(b"met at the truck stop"), "notes go with the codes");
    }
    assert_no_code_in_files(&programme.hub.data, &codes);
}

fn assert_no_code_in_files(dir: &Path, codes: &[String]) {
    for code in codes {
        let found = raw_files_contain(dir, code).unwrap();
        assert!(found.is_empty(), "a client code in the hub's files: {found:?}");
    }
}
