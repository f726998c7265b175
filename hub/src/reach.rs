//! Reach: how many different people the programme reached in a month or a quarter, per site and
//! gender, first-time or returning, from the hub's attendance records (keyed hashes of client
//! codes) and walk-in counts. `docs/reach.md` states the definitions; in short:
//!
//! - **people with a code**: distinct code hashes with attendance in the period (at the site,
//!   for a site's rows), however many sessions, educators and tablets recorded them. The `all`
//!   rows count each person once across sites, so they can be less than the sum of the sites.
//! - **gender**: that of the person's most recent attendance in the period that records one (by
//!   session start, ties broken by the order the hub received them), over all sites, so a person
//!   has one gender in every row of a report; `unknown` when none records one.
//! - **first-time**: no attendance anywhere at the hub in a month before the period's first
//!   month; otherwise **returning**.
//! - **walk-ins**: the sum of the walk-in counts of the period (corrections add signed counts);
//!   they cannot be deduplicated. **total** = people with a code + walk-ins.
//!
//! One pass over the period's attendance through the `(month, site)` index, then one lookup per
//! person in the `(code_hash, month)` index for "seen before"; `benches/reach.rs` measures it
//! on a million attendance rows.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use corridor_core::sessions::upload::is_valid_month;
use corridor_core::sync::wire::is_valid_site;
use rusqlite::{params, Connection};
use serde::Serialize;

use crate::error::HubError;
use crate::store::sqlite::SqliteStore;

/// The genders of a report, in the order rows are listed.
pub const GENDERS: [&str; 5] = ["female", "male", "transgender", "other", "unknown"];
const UNKNOWN: usize = 4;
/// The `site` of the rows over every site.
pub const ALL_SITES: &str = "all";
/// The CSV header.
pub const CSV_HEADER: &str = "period,site,gender,first_time,returning,people_with_code,walk_ins,total";

/// A calendar month or quarter, in the programme's time (UTC+2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Period {
    /// `YYYY-MM`.
    Month(String),
    /// `YYYY-Qn`: months 3n-2 to 3n.
    Quarter { year: u16, quarter: u8 },
}

impl Period {
    /// `2026-11`.
    pub fn month(text: &str) -> Result<Period, HubError> {
        let text = text.trim();
        if !is_valid_month(text) {
            return Err(HubError::invalid(
                "month",
                "a month is written YYYY-MM, for example 2026-11",
            ));
        }
        Ok(Period::Month(text.to_owned()))
    }

    /// `2026-Q4`.
    pub fn quarter(text: &str) -> Result<Period, HubError> {
        let text = text.trim();
        let bad = || {
            HubError::invalid(
                "quarter",
                "a quarter is written YYYY-Qn with n from 1 to 4, for example 2026-Q4",
            )
        };
        let (year, quarter) = text.split_once('-').ok_or_else(bad)?;
        let quarter = quarter.strip_prefix(['Q', 'q']).ok_or_else(bad)?;
        if year.len() != 4 || !year.bytes().all(|byte| byte.is_ascii_digit()) || quarter.len() != 1 {
            return Err(bad());
        }
        let quarter: u8 = quarter.parse().map_err(|_| bad())?;
        if !(1..=4).contains(&quarter) {
            return Err(bad());
        }
        Ok(Period::Quarter {
            year: year.parse().map_err(|_| bad())?,
            quarter,
        })
    }

    /// The months, first to last, as `YYYY-MM`.
    pub fn months(&self) -> Vec<String> {
        match self {
            Period::Month(month) => vec![month.clone()],
            Period::Quarter { year, quarter } => {
                let first = (u32::from(*quarter) - 1) * 3 + 1;
                (first..first + 3)
                    .map(|month| format!("{year:04}-{month:02}"))
                    .collect()
            }
        }
    }

    /// How the period is written in a report (`2026-11`, `2026-Q4`).
    pub fn label(&self) -> String {
        match self {
            Period::Month(month) => month.clone(),
            Period::Quarter { year, quarter } => format!("{year:04}-Q{quarter}"),
        }
    }
}

/// What to count: a period, and one site or all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReachQuery {
    pub period: Period,
    pub site: Option<String>,
}

impl ReachQuery {
    /// Checks the site's form (a site without records gives rows of zeros).
    pub fn new(period: Period, site: Option<&str>) -> Result<ReachQuery, HubError> {
        let site = site.map(str::trim).map(str::to_owned);
        if let Some(site) = &site {
            if !is_valid_site(site) {
                return Err(HubError::invalid(
                    "site",
                    "a site is lower-case letters, digits and hyphens, for example beitbridge",
                ));
            }
        }
        Ok(ReachQuery { period, site })
    }
}

/// One line of a reach report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReachRow {
    pub period: String,
    pub site: String,
    pub gender: &'static str,
    pub first_time: u64,
    pub returning: u64,
    pub people_with_code: u64,
    /// Signed: corrections can take walk-ins away.
    pub walk_ins: i64,
    pub total: i64,
}

/// Reach from the hub database in `data_dir` (which may be in use by a running hub).
pub fn reach(data_dir: &Path, query: &ReachQuery) -> Result<Vec<ReachRow>, HubError> {
    let store = SqliteStore::open_existing(data_dir)?;
    store.read(|connection| {
        // A reach report reads up to a few hundred thousand index entries: mapped pages instead
        // of one read call per page, and a larger cache for the per-person lookups.
        connection.execute_batch("PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -65536;")?;
        reach_on(connection, query)
    })
}

#[derive(Default, Clone, Copy)]
struct Counts {
    first_time: u64,
    returning: u64,
    walk_ins: i64,
}

struct Person {
    /// Indexes into the site names, each once.
    sites: Vec<u32>,
    /// `(seen_at, rowid, gender)` of the latest record with a gender.
    latest: Option<(i64, i64, usize)>,
}

fn gender_index(text: &str) -> Option<usize> {
    GENDERS[..UNKNOWN].iter().position(|gender| *gender == text)
}

/// `select` restricted to the period's months (each by equality, so that the `(month, site)`
/// index is searched, not scanned) and the site if there is one.
fn period_sql(select: &str, months: &[String], with_site: bool, tail: &str) -> String {
    let placeholders = (1..=months.len())
        .map(|index| format!("?{index}"))
        .collect::<Vec<_>>()
        .join(", ");
    let site = if with_site {
        format!(" AND site = ?{}", months.len() + 1)
    } else {
        String::new()
    };
    format!("{select} WHERE month IN ({placeholders}){site}{tail}")
}

fn period_values(months: &[String], query: &ReachQuery) -> Vec<String> {
    let mut values = months.to_vec();
    values.extend(query.site.clone());
    values
}

/// [`reach`] on an open connection to a hub database. Rows: each site (sorted by name) with
/// its five genders, then, without a site filter, the five `all` rows.
pub fn reach_on(connection: &Connection, query: &ReachQuery) -> Result<Vec<ReachRow>, HubError> {
    let months = query.period.months();
    let first = months.first().cloned().unwrap_or_default();
    let last = months.last().cloned().unwrap_or_default();

    let mut site_names: Vec<String> = Vec::new();
    let mut site_ids: HashMap<String, u32> = HashMap::new();
    let mut intern = |name: String, names: &mut Vec<String>| -> u32 {
        if let Some(id) = site_ids.get(&name) {
            return *id;
        }
        let id = names.len() as u32;
        site_ids.insert(name.clone(), id);
        names.push(name);
        id
    };
    if let Some(site) = &query.site {
        intern(site.clone(), &mut site_names);
    }

    let mut people: HashMap<[u8; 32], Person> = HashMap::new();
    {
        let mut statement = connection.prepare(&period_sql(
            "SELECT code_hash, site, gender, seen_at, rowid FROM attendance",
            &months,
            query.site.is_some(),
            "",
        ))?;
        let mut rows = statement.query(rusqlite::params_from_iter(period_values(&months, query)))?;
        while let Some(row) = rows.next()? {
            let hash: [u8; 32] = row
                .get_ref(0)?
                .as_blob()
                .ok()
                .and_then(|bytes| bytes.try_into().ok())
                .ok_or_else(|| HubError::Internal("a stored code hash has the wrong length".into()))?;
            let site = intern(row.get(1)?, &mut site_names);
            let gender = row.get_ref(2)?.as_str_or_null().ok().flatten().and_then(gender_index);
            let seen_at: i64 = row.get(3)?;
            let rowid: i64 = row.get(4)?;
            let person = people.entry(hash).or_insert_with(|| Person {
                sites: Vec::new(),
                latest: None,
            });
            if !person.sites.contains(&site) {
                person.sites.push(site);
            }
            if let Some(gender) = gender {
                if person.latest.is_none_or(|(at, id, _)| (seen_at, rowid) > (at, id)) {
                    person.latest = Some((seen_at, rowid, gender));
                }
            }
        }
    }

    let mut per_site = vec![[Counts::default(); 5]; site_names.len()];
    let mut all = [Counts::default(); 5];
    {
        let mut seen_before =
            connection.prepare("SELECT EXISTS (SELECT 1 FROM attendance WHERE code_hash = ?1 AND month < ?2)")?;
        // With a site filter the pass above saw only that site's records: the gender comes
        // from all of the person's records in the period, as it does without a filter.
        let mut latest_anywhere = connection.prepare(
            "SELECT gender FROM attendance
             WHERE code_hash = ?1 AND month BETWEEN ?2 AND ?3 AND gender IS NOT NULL
             ORDER BY seen_at DESC, rowid DESC LIMIT 1",
        )?;
        for (hash, person) in &people {
            let returning: bool = seen_before.query_row(params![&hash[..], first], |row| row.get(0))?;
            let gender = if query.site.is_some() {
                let found: Option<String> = latest_anywhere
                    .query_row(params![&hash[..], first, last], |row| row.get(0))
                    .map(Some)
                    .or_else(|error| match error {
                        rusqlite::Error::QueryReturnedNoRows => Ok(None),
                        other => Err(other),
                    })?;
                found.as_deref().and_then(gender_index).unwrap_or(UNKNOWN)
            } else {
                person.latest.map_or(UNKNOWN, |(_, _, gender)| gender)
            };
            let add = |counts: &mut Counts| {
                if returning {
                    counts.returning += 1;
                } else {
                    counts.first_time += 1;
                }
            };
            for site in &person.sites {
                add(&mut per_site[*site as usize][gender]);
            }
            add(&mut all[gender]);
        }
    }

    {
        let mut statement = connection.prepare(&period_sql(
            "SELECT site, gender, sum(count) FROM walk_ins",
            &months,
            query.site.is_some(),
            " GROUP BY site, gender",
        ))?;
        let mut rows = statement.query(rusqlite::params_from_iter(period_values(&months, query)))?;
        while let Some(row) = rows.next()? {
            let site: String = row.get(0)?;
            let gender: String = row.get(1)?;
            let count: i64 = row.get(2)?;
            let gender = gender_index(&gender).unwrap_or(UNKNOWN);
            let site = intern(site, &mut site_names) as usize;
            if site >= per_site.len() {
                per_site.resize(site + 1, [Counts::default(); 5]);
            }
            per_site[site][gender].walk_ins += count;
            all[gender].walk_ins += count;
        }
    }

    let period = query.period.label();
    let row = |site: &str, gender: usize, counts: &Counts| {
        let people_with_code = counts.first_time + counts.returning;
        ReachRow {
            period: period.clone(),
            site: site.to_owned(),
            gender: GENDERS[gender],
            first_time: counts.first_time,
            returning: counts.returning,
            people_with_code,
            walk_ins: counts.walk_ins,
            total: people_with_code as i64 + counts.walk_ins,
        }
    };
    let mut order: Vec<usize> = (0..site_names.len()).collect();
    order.sort_by(|a, b| site_names[*a].cmp(&site_names[*b]));
    let mut report = Vec::with_capacity((order.len() + 1) * GENDERS.len());
    for site in order {
        for (gender, counts) in per_site[site].iter().enumerate() {
            report.push(row(&site_names[site], gender, counts));
        }
    }
    if query.site.is_none() {
        for (gender, counts) in all.iter().enumerate() {
            report.push(row(ALL_SITES, gender, counts));
        }
    }
    Ok(report)
}

/// The rows as CSV ([`CSV_HEADER`] first; sites are `[a-z0-9-]`, so nothing needs quoting).
pub fn to_csv(rows: &[ReachRow]) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push('\n');
    for row in rows {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{}",
            row.period,
            row.site,
            row.gender,
            row.first_time,
            row.returning,
            row.people_with_code,
            row.walk_ins,
            row.total
        );
    }
    out
}

/// The rows as a table for people.
pub fn to_table(rows: &[ReachRow]) -> String {
    let headers = [
        "period",
        "site",
        "gender",
        "first-time",
        "returning",
        "with code",
        "walk-ins",
        "total",
    ];
    let cells: Vec<[String; 8]> = rows
        .iter()
        .map(|row| {
            [
                row.period.clone(),
                row.site.clone(),
                row.gender.to_owned(),
                row.first_time.to_string(),
                row.returning.to_string(),
                row.people_with_code.to_string(),
                row.walk_ins.to_string(),
                row.total.to_string(),
            ]
        })
        .collect();
    let mut widths = headers.map(str::len);
    for line in &cells {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.len());
        }
    }
    let mut out = String::new();
    let mut line = |values: &[&str]| {
        let mut text = String::new();
        for (index, value) in values.iter().enumerate() {
            if index < 3 {
                let _ = write!(text, "{value:<width$}  ", width = widths[index]);
            } else {
                let _ = write!(text, "{value:>width$}  ", width = widths[index]);
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&headers);
    for cells in &cells {
        let values: Vec<&str> = cells.iter().map(String::as_str).collect();
        line(&values);
    }
    out
}

#[cfg(test)]
mod tests {
    use corridor_core::codes::ClientCode;
    use corridor_core::kdf::KdfParams;
    use corridor_core::reports::seal::{seal_as, SealKind};
    use corridor_core::sessions::upload::{AgeBand, Attendee, Gender, SessionKind, SessionUpload, WalkIns};
    use corridor_core::sync::wire::{Role, SessionSubmission, Uuid};

    use super::*;
    use crate::intake;
    use crate::secrets::HubSecrets;
    use crate::store::{IdempotencyRecord, NewUser, PasswordHash, Store, WriteOp, WriteOutcome};

    /// Well after every session below (the hub refuses sessions that start in its future).
    const NOW: i64 = 2_000_000_000;

    /// Unix seconds of `year-month-day` 12:00 in the programme's time (UTC+2).
    fn at(year: i64, month: i64, day: i64) -> i64 {
        // Days from 1970-01-01 to the date (the proleptic Gregorian calendar).
        let (y, m) = if month <= 2 {
            (year - 1, month + 9)
        } else {
            (year, month - 3)
        };
        let era = y.div_euclid(400);
        let year_of_era = y - era * 400;
        let day_of_year = (153 * m + 2) / 5 + day - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        let days = era * 146_097 + day_of_era - 719_468;
        days * 86_400 + 10 * 3600
    }

    struct Hub {
        _dir: tempfile::TempDir,
        store: SqliteStore,
        secrets: HubSecrets,
        /// The two educators' user ids.
        educators: [i64; 2],
    }

    impl Hub {
        fn new() -> Hub {
            let dir = tempfile::tempdir().unwrap();
            let store = SqliteStore::open(dir.path()).unwrap();
            let secrets = HubSecrets::load_or_create(dir.path()).unwrap();
            for name in ["ana", "ben"] {
                store
                    .add_user(NewUser {
                        username: name.into(),
                        role: Role::Educator,
                        sites: vec!["beitbridge".into(), "musina".into()],
                        password: PasswordHash {
                            salt: [0; 16],
                            params: KdfParams::OWASP_FLOOR,
                            hash: [0; 32],
                        },
                        now: 0,
                    })
                    .unwrap();
            }
            Hub {
                _dir: dir,
                store,
                secrets,
                educators: [1, 2],
            }
        }

        /// Seals `upload` to the hub and takes it in as `educator` would through the API.
        fn submit(&self, educator: usize, upload: &SessionUpload) -> WriteOutcome {
            let sealed = seal_as(
                SealKind::Session,
                &upload.to_json().unwrap(),
                &self.secrets.intake_key().public(),
            )
            .unwrap();
            let submission = SessionSubmission {
                session_id: upload.session_id,
                site: upload.site.clone(),
                sealed,
            };
            let record = match intake::prepare(&self.secrets, &submission, self.educators[educator], NOW) {
                Ok(record) => record,
                Err(error) => panic!("{}", error.message),
            };
            let idempotency = IdempotencyRecord {
                scope: format!("user:{educator}"),
                route: "POST /v1/sessions",
                key: Uuid::new_v4(),
                fingerprint: [0; 32],
                now: NOW,
            };
            self.store
                .idempotent_write(&idempotency, WriteOp::SubmitSession(Box::new(record)))
                .unwrap()
        }

        fn accept(&self, educator: usize, upload: &SessionUpload) {
            match self.submit(educator, upload) {
                WriteOutcome::Fresh(response) => assert_eq!(response.status, 201),
                other => panic!("{other:?}"),
            }
        }

        fn reach(&self, period: Period, site: Option<&str>) -> Vec<ReachRow> {
            let query = ReachQuery::new(period, site).unwrap();
            self.store.read(|connection| reach_on(connection, &query)).unwrap()
        }
    }

    fn code() -> String {
        ClientCode::generate().unwrap().as_str().to_owned()
    }

    fn session(site: &str, started_at: i64, attendees: &[(&str, Option<Gender>)]) -> SessionUpload {
        let mut upload = SessionUpload::new(Uuid::new_v4(), site, SessionKind::Group, started_at, started_at + 3600);
        upload.attendees = attendees
            .iter()
            .map(|(code, gender)| Attendee {
                code: (*code).to_owned(),
                gender: *gender,
                age_band: Some(AgeBand::From25To29),
            })
            .collect();
        upload
    }

    /// `(first_time, returning, walk_ins, total)` of one row.
    fn cell(rows: &[ReachRow], site: &str, gender: &str) -> (u64, u64, i64, i64) {
        let row = rows
            .iter()
            .find(|row| row.site == site && row.gender == gender)
            .unwrap_or_else(|| panic!("no row {site} {gender} in {rows:?}"));
        assert_eq!(row.people_with_code, row.first_time + row.returning);
        assert_eq!(row.total, row.people_with_code as i64 + row.walk_ins);
        (row.first_time, row.returning, row.walk_ins, row.total)
    }

    fn people(rows: &[ReachRow], site: &str) -> u64 {
        rows.iter()
            .filter(|row| row.site == site)
            .map(|row| row.people_with_code)
            .sum()
    }

    fn month(text: &str) -> Period {
        Period::month(text).unwrap()
    }

    use Gender::{Female, Male, Transgender};

    #[test]
    fn people_are_counted_once_across_sessions_and_educators() {
        let hub = Hub::new();
        let (a, b, c) = (code(), code(), code());
        hub.accept(
            0,
            &session("beitbridge", at(2026, 11, 3), &[(&a, Some(Female)), (&b, Some(Male))]),
        );
        hub.accept(
            1,
            &session("beitbridge", at(2026, 11, 10), &[(&a, Some(Female)), (&c, None)]),
        );
        hub.accept(
            0,
            &session("beitbridge", at(2026, 11, 20), &[(&a, Some(Female)), (&b, Some(Male))]),
        );
        let rows = hub.reach(month("2026-11"), None);
        assert_eq!(people(&rows, "beitbridge"), 3);
        assert_eq!(cell(&rows, "beitbridge", "female"), (1, 0, 0, 1));
        assert_eq!(cell(&rows, "beitbridge", "male"), (1, 0, 0, 1));
        assert_eq!(cell(&rows, "beitbridge", "unknown"), (1, 0, 0, 1));
        assert_eq!(people(&rows, ALL_SITES), 3);
        // Another month is empty; the rows are still there, as zeros.
        let october = hub.reach(month("2026-10"), None);
        assert_eq!(october.len(), GENDERS.len());
        assert_eq!(people(&october, ALL_SITES), 0);
    }

    #[test]
    fn the_most_recent_gender_counts_and_one_person_has_one_gender_across_sites() {
        let hub = Hub::new();
        let a = code();
        // Received out of order: the later session arrives first; a record without a gender
        // does not override one that has it.
        hub.accept(1, &session("musina", at(2026, 11, 25), &[(&a, Some(Transgender))]));
        hub.accept(0, &session("beitbridge", at(2026, 11, 2), &[(&a, Some(Female))]));
        hub.accept(0, &session("beitbridge", at(2026, 11, 28), &[(&a, None)]));
        let rows = hub.reach(month("2026-11"), None);
        assert_eq!(cell(&rows, "beitbridge", "transgender"), (1, 0, 0, 1));
        assert_eq!(cell(&rows, "musina", "transgender"), (1, 0, 0, 1));
        assert_eq!(cell(&rows, ALL_SITES, "transgender"), (1, 0, 0, 1));
        assert_eq!(people(&rows, ALL_SITES), 1, "one person across two sites");
        assert_eq!(people(&rows, "beitbridge") + people(&rows, "musina"), 2);
        // Filtered to one site, the same gender (from all the person's records of the month).
        let filtered = hub.reach(month("2026-11"), Some("beitbridge"));
        assert_eq!(cell(&filtered, "beitbridge", "transgender"), (1, 0, 0, 1));
        assert!(filtered.iter().all(|row| row.site == "beitbridge"));

        // Two records at the same moment: the one received last counts.
        let b = code();
        hub.accept(0, &session("musina", at(2026, 11, 5), &[(&b, Some(Female))]));
        hub.accept(1, &session("musina", at(2026, 11, 5), &[(&b, Some(Male))]));
        let rows = hub.reach(month("2026-11"), Some("musina"));
        assert_eq!(cell(&rows, "musina", "male"), (1, 0, 0, 1));
        assert_eq!(cell(&rows, "musina", "female"), (0, 0, 0, 0));
    }

    #[test]
    fn first_time_and_returning_over_months_and_quarters() {
        let hub = Hub::new();
        let (a, b, c) = (code(), code(), code());
        hub.accept(0, &session("beitbridge", at(2026, 9, 15), &[(&a, Some(Female))]));
        hub.accept(
            0,
            &session(
                "beitbridge",
                at(2026, 10, 15),
                &[(&a, Some(Female)), (&b, Some(Female))],
            ),
        );
        // Seen before at another site still makes a person returning.
        hub.accept(
            1,
            &session("musina", at(2026, 11, 15), &[(&b, Some(Female)), (&c, Some(Female))]),
        );

        let october = hub.reach(month("2026-10"), None);
        assert_eq!(cell(&october, "beitbridge", "female"), (1, 1, 0, 2));
        let november = hub.reach(month("2026-11"), None);
        assert_eq!(cell(&november, "musina", "female"), (1, 1, 0, 2));
        // Q4: a (returning from September), b and c (first seen inside the quarter).
        let quarter = hub.reach(Period::quarter("2026-Q4").unwrap(), None);
        assert_eq!(quarter[0].period, "2026-Q4");
        assert_eq!(cell(&quarter, ALL_SITES, "female"), (2, 1, 0, 3));
        assert_eq!(cell(&quarter, "beitbridge", "female"), (1, 1, 0, 2));
        assert_eq!(cell(&quarter, "musina", "female"), (2, 0, 0, 2));
        let q3 = hub.reach(Period::quarter("2026-q3").unwrap(), None);
        assert_eq!(cell(&q3, ALL_SITES, "female"), (1, 0, 0, 1));
    }

    #[test]
    fn a_month_is_the_programme_s_month() {
        let hub = Hub::new();
        let a = code();
        // 2026-10-31 23:30 UTC is November 1st, 01:30 at the sites; 21:30 UTC is still October.
        let midnight_utc = at(2026, 11, 1) - 10 * 3600;
        hub.accept(0, &session("beitbridge", midnight_utc - 30 * 60, &[(&a, Some(Male))]));
        hub.accept(0, &session("musina", midnight_utc - 150 * 60, &[(&a, Some(Male))]));
        let november = hub.reach(month("2026-11"), None);
        assert_eq!(cell(&november, "beitbridge", "male"), (0, 1, 0, 1));
        assert_eq!(people(&november, "musina"), 0);
        let october = hub.reach(month("2026-10"), None);
        assert_eq!(cell(&october, "musina", "male"), (1, 0, 0, 1));
        assert_eq!(people(&october, "beitbridge"), 0);
    }

    #[test]
    fn walk_ins_are_added_as_counts() {
        let hub = Hub::new();
        let a = code();
        let mut first = session("beitbridge", at(2026, 11, 3), &[(&a, Some(Female))]);
        first.walk_ins = vec![
            WalkIns {
                gender: Female,
                age_band: AgeBand::From18To24,
                count: 4,
            },
            WalkIns {
                gender: Female,
                age_band: AgeBand::From25To29,
                count: 1,
            },
            WalkIns {
                gender: Male,
                age_band: AgeBand::From18To24,
                count: 2,
            },
        ];
        hub.accept(0, &first);
        let mut second = session("musina", at(2026, 11, 4), &[]);
        second.walk_ins = vec![WalkIns {
            gender: Female,
            age_band: AgeBand::From18To24,
            count: 3,
        }];
        hub.accept(1, &second);
        let rows = hub.reach(month("2026-11"), None);
        assert_eq!(cell(&rows, "beitbridge", "female"), (1, 0, 5, 6));
        assert_eq!(cell(&rows, "beitbridge", "male"), (0, 0, 2, 2));
        assert_eq!(cell(&rows, "musina", "female"), (0, 0, 3, 3));
        assert_eq!(cell(&rows, ALL_SITES, "female"), (1, 0, 8, 9));
        let csv = to_csv(&rows);
        assert!(csv.starts_with(&format!("{CSV_HEADER}\n")));
        assert!(csv.contains("\n2026-11,all,female,1,0,1,8,9\n"), "{csv}");
        assert_eq!(csv.lines().count(), 1 + 3 * GENDERS.len());
    }

    #[test]
    fn a_correction_removes_and_adds_people_and_walk_ins() {
        let hub = Hub::new();
        let (a, b, c, d) = (code(), code(), code(), code());
        let mut original = session("beitbridge", at(2026, 11, 3), &[(&a, Some(Female)), (&b, Some(Female))]);
        original.walk_ins = vec![WalkIns {
            gender: Male,
            age_band: AgeBand::From18To24,
            count: 5,
        }];
        hub.accept(0, &original);
        let mut first_fix = session("beitbridge", at(2026, 12, 2), &[(&c, Some(Male))]);
        first_fix.corrects = Some(original.session_id);
        first_fix.removed_attendees = vec![b.clone()];
        first_fix.walk_ins = vec![WalkIns {
            gender: Male,
            age_band: AgeBand::From18To24,
            count: -2,
        }];
        hub.accept(0, &first_fix);
        // A second correction removes someone the first one added.
        let mut second_fix = session("beitbridge", at(2026, 12, 5), &[(&d, None)]);
        second_fix.corrects = Some(original.session_id);
        second_fix.removed_attendees = vec![c.clone()];
        hub.accept(0, &second_fix);

        // Everything counts in the original's month (November), not the corrections' month.
        let rows = hub.reach(month("2026-11"), None);
        assert_eq!(cell(&rows, "beitbridge", "female"), (1, 0, 0, 1), "b removed");
        assert_eq!(
            cell(&rows, "beitbridge", "male"),
            (0, 0, 3, 3),
            "c added then removed; 5 - 2 walk-ins"
        );
        assert_eq!(cell(&rows, "beitbridge", "unknown"), (1, 0, 0, 1), "d added");
        assert_eq!(people(&hub.reach(month("2026-12"), None), ALL_SITES), 0);
    }

    #[test]
    fn a_correction_needs_its_original_at_the_hub() {
        let hub = Hub::new();
        let a = code();
        let mut orphan = session("beitbridge", at(2026, 11, 3), &[(&a, None)]);
        orphan.corrects = Some(Uuid::new_v4());
        assert!(
            matches!(
                hub.submit(0, &orphan),
                WriteOutcome::Refused(crate::store::Refusal::NotYet { .. })
            ),
            "not yet: sent again once the original is there"
        );
        let original = session("beitbridge", at(2026, 11, 3), &[(&a, None)]);
        hub.accept(0, &original);
        let mut elsewhere = session("musina", at(2026, 11, 3), &[]);
        elsewhere.corrects = Some(original.session_id);
        elsewhere.removed_attendees = vec![a.clone()];
        assert!(matches!(hub.submit(0, &elsewhere), WriteOutcome::Refused(_)));
        let mut fix = session("beitbridge", at(2026, 11, 3), &[]);
        fix.corrects = Some(original.session_id);
        fix.removed_attendees = vec![a.clone()];
        hub.accept(0, &fix);
        let mut fix_of_fix = session("beitbridge", at(2026, 11, 3), &[(&a, None)]);
        fix_of_fix.corrects = Some(fix.session_id);
        assert!(matches!(hub.submit(0, &fix_of_fix), WriteOutcome::Refused(_)));
        assert_eq!(people(&hub.reach(month("2026-11"), None), ALL_SITES), 0);
    }

    #[test]
    fn the_same_session_twice_counts_once_and_another_under_its_id_is_refused() {
        let hub = Hub::new();
        let a = code();
        let upload = session("beitbridge", at(2026, 11, 3), &[(&a, Some(Female))]);
        hub.accept(0, &upload);
        match hub.submit(1, &upload) {
            WriteOutcome::Fresh(response) => assert_eq!(response.status, 200),
            other => panic!("{other:?}"),
        }
        let mut changed = upload.clone();
        changed.attendees[0].gender = Some(Male);
        assert_eq!(
            hub.submit(0, &changed),
            WriteOutcome::Refused(crate::store::Refusal::IdConflict)
        );
        assert_eq!(
            cell(&hub.reach(month("2026-11"), None), ALL_SITES, "female"),
            (1, 0, 0, 1)
        );
    }

    #[test]
    fn periods_and_sites_are_checked() {
        assert_eq!(
            Period::quarter("2026-Q4").unwrap().months(),
            ["2026-10", "2026-11", "2026-12"]
        );
        assert_eq!(
            Period::quarter("2027-Q1").unwrap().months(),
            ["2027-01", "2027-02", "2027-03"]
        );
        for bad in ["2026-Q5", "2026-Q0", "2026-4", "26-Q1", "2026-Q", "2026-Q12", "Q4-2026"] {
            assert!(Period::quarter(bad).is_err(), "{bad}");
        }
        for bad in ["2026-13", "2026-1", "november", ""] {
            let error = Period::month(bad).unwrap_err().to_string();
            assert!(error.contains("YYYY-MM"), "{error}");
        }
        assert!(ReachQuery::new(month("2026-11"), Some("Beit Bridge")).is_err());
        assert!(ReachQuery::new(month("2026-11"), Some("beitbridge")).is_ok());
    }
}
