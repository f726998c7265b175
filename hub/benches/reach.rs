//! Reach over a hub database with a million attendance rows.
//!
//! `cargo bench -p corridor-hub --bench reach` builds a hub database (the real schema, created
//! by the hub itself) holding 1,000,000 attendance rows: 250,000 people over 12 months of 2026
//! and 20 sites, most of them seen at their home site, some at others, with between one and a
//! dozen visits each and a few whose recorded gender changes or is missing; sessions of about
//! 30 people and walk-in counts. It then times reach for one month, one quarter and one month
//! at one site (several runs each, the median reported). Without `--bench` (as `cargo test`
//! runs benches) it does the same on 20,000 rows, as a quick check that it works.

use std::time::{Duration, Instant};

use corridor_core::sync::wire::{Role, SecretString};
use corridor_hub::reach::{self, Period, ReachQuery};
use rusqlite::{params, Connection};

const SITES: usize = 20;
const RUNS: usize = 7;

/// SplitMix64: a small, seeded generator (the numbers only need to look varied).
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

struct Person {
    hash: [u8; 32],
    home: usize,
    gender: Option<&'static str>,
}

const GENDERS: [&str; 4] = ["female", "male", "transgender", "other"];

/// Unix seconds of 2026-`month`-`day`, 12:00 at the sites (UTC+2).
fn noon(month: u32, day: u32) -> i64 {
    const DAYS_BEFORE: [i64; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let days_to_2026 = 20_454; // 1970-01-01 to 2026-01-01
    (days_to_2026 + DAYS_BEFORE[month as usize - 1] + i64::from(day) - 1) * 86_400 + 10 * 3600
}

fn build(data: &std::path::Path, people_count: usize, rows: usize) -> (usize, Duration) {
    let started = Instant::now();
    // The hub creates its database (and schema) itself; one educator submits everything.
    corridor_hub::admin::add_user(
        data,
        "educator",
        &SecretString::new("benchmark password".into()),
        Role::Educator,
        &["site-00".into()],
    )
    .unwrap();
    let mut connection = Connection::open(data.join("hub.db")).unwrap();
    connection.execute_batch("PRAGMA synchronous = OFF;").unwrap();
    let mut random = Random(0x5eed);
    let people: Vec<Person> = (0..people_count)
        .map(|_| {
            let mut hash = [0u8; 32];
            for chunk in hash.chunks_mut(8) {
                chunk.copy_from_slice(&random.next().to_le_bytes());
            }
            Person {
                hash,
                home: random.below(SITES as u64) as usize,
                gender: match random.below(20) {
                    0 | 1 => None,
                    roll => Some(GENDERS[[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 3, 3][roll as usize]]),
                },
            }
        })
        .collect();
    let transaction = connection.transaction().unwrap();
    let mut inserted = 0usize;
    {
        let mut session = transaction
            .prepare(
                "INSERT OR IGNORE INTO sessions (session_id, corrects, site, month, kind, started_at, closed_at,
                                                 submitted_by, received_at, digest, summary)
                 VALUES (?1, NULL, ?2, ?3, 'group', ?4, ?4 + 3600, 1, ?4 + 7200, ?5, '{}')",
            )
            .unwrap();
        let mut attend = transaction
            .prepare(
                "INSERT OR IGNORE INTO attendance (session_id, code_hash, site, month, gender, age_band, seen_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, '25-29', ?6)",
            )
            .unwrap();
        let mut walk_in = transaction
            .prepare(
                "INSERT INTO walk_ins (session_id, site, month, gender, age_band, count)
                 VALUES (?1, ?2, ?3, ?4, '18-24', ?5)",
            )
            .unwrap();
        // Visits: a person comes back a few times over the year (skewed: many once or twice,
        // some a dozen times), mostly to the home site; each visit lands in one of four sessions
        // a day at that site.
        while inserted < rows {
            let person = &people[random.below(people.len() as u64) as usize];
            let visits = 1 + random.below(3) + if random.below(4) == 0 { random.below(9) } else { 0 };
            let first_month = 1 + random.below(12) as u32;
            for visit in 0..visits {
                if inserted >= rows {
                    break;
                }
                let month = (first_month + visit as u32 * (1 + random.below(2) as u32) - 1) % 12 + 1;
                let day = 1 + random.below(28) as u32;
                let slot = random.below(4);
                let site = if random.below(10) == 0 {
                    random.below(SITES as u64) as usize
                } else {
                    person.home
                };
                let site_name = format!("site-{site:02}");
                let month_name = format!("2026-{month:02}");
                let session_id = format!("00000000-0000-4000-8000-{site:02}{month:02}{day:02}{slot:06}");
                let started_at = noon(month, day) + slot as i64 * 1800;
                let created = session
                    .execute(params![session_id, site_name, month_name, started_at, &[0u8; 32][..]])
                    .unwrap();
                if created == 1 {
                    let count = 1 + random.below(6) as i64;
                    let gender = GENDERS[random.below(4) as usize];
                    walk_in
                        .execute(params![session_id, site_name, month_name, gender, count])
                        .unwrap();
                }
                // One in twenty records says another gender (a typing slip, or it changed).
                let gender = if random.below(20) == 0 {
                    Some(GENDERS[random.below(4) as usize])
                } else {
                    person.gender
                };
                inserted += attend
                    .execute(params![
                        session_id,
                        &person.hash[..],
                        site_name,
                        month_name,
                        gender,
                        started_at
                    ])
                    .unwrap();
            }
        }
    }
    transaction.commit().unwrap();
    connection.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    (inserted, started.elapsed())
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let full = std::env::args().any(|argument| argument == "--bench");
    let (people, rows) = if full { (250_000, 1_000_000) } else { (5_000, 20_000) };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (inserted, build_time) = build(&data, people, rows);
    let connection = Connection::open(data.join("hub.db")).unwrap();
    let counted: i64 = connection
        .query_row("SELECT count(*) FROM attendance", [], |row| row.get(0))
        .unwrap();
    assert_eq!(counted as usize, inserted);
    println!(
        "reach: {inserted} attendance rows, {people} people, {SITES} sites, 12 months (built in {:.1} s)",
        build_time.as_secs_f64()
    );
    let cases = [
        ("one month (2026-11)", Period::month("2026-11").unwrap(), None),
        ("one quarter (2026-Q4)", Period::quarter("2026-Q4").unwrap(), None),
        (
            "one month, one site (2026-11, site-07)",
            Period::month("2026-11").unwrap(),
            Some("site-07"),
        ),
    ];
    for (name, period, site) in cases {
        let query = ReachQuery::new(period, site).unwrap();
        let mut times = Vec::new();
        let mut rows_out = Vec::new();
        for _ in 0..if full { RUNS } else { 1 } {
            let started = Instant::now();
            rows_out = reach::reach(&data, &query).unwrap();
            times.push(started.elapsed());
        }
        let people: u64 = rows_out
            .iter()
            .filter(|row| row.site == site.unwrap_or(reach::ALL_SITES))
            .map(|row| row.people_with_code)
            .sum();
        assert!(people > 0, "{name}: nobody counted");
        let fastest = times.iter().min().copied().unwrap_or_default();
        println!(
            "  {name}: median {:.1} ms, fastest {:.1} ms over {} runs; {people} people",
            median(times.clone()).as_secs_f64() * 1000.0,
            fastest.as_secs_f64() * 1000.0,
            times.len()
        );
    }
}
