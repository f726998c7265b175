//! What a decoy profile holds from the moment it is created: harmless, plausible preferences of
//! an ordinary user, so that a forced unlock with the duress PIN shows a profile that looks used.
//! Never the person's client code (it gets a random one of its own, so the app looks the same),
//! a report, a health reminder or a session. The reminders and content capabilities add an
//! ordinary reminder or two and general wellness tips here.

use rusqlite::Connection;

use crate::codes::{store_client_code, ClientCode};
use crate::error::Result;
use crate::reminders::schedule::{End, Every, Recurrence, Unit};
use crate::reminders::{self, Kind, NewReminder};
use crate::store::settings;
use chrono::Datelike;

/// Settings a person who only ever used the decoy would plausibly have.
const DECOY_SETTINGS: &[(&str, &str)] = &[("theme", "system"), ("haptics", "on"), ("sound", "off")];

pub(crate) fn fill(connection: &Connection, now_unix: i64) -> Result<()> {
    store_client_code(connection, &ClientCode::generate()?)?;
    for (name, value) in DECOY_SETTINGS {
        settings::set(connection, name, value, now_unix)?;
    }
    // An ordinary monthly reminder, in the corridor's zone (the decoy is never asked for one).
    let now = chrono::DateTime::from_timestamp(now_unix, 0).unwrap_or_default();
    let first = (now.date_naive() + chrono::Duration::days(32))
        .with_day(1)
        .unwrap_or(now.date_naive());
    let mut rent = NewReminder::new(
        Kind::Custom,
        first,
        chrono::NaiveTime::from_hms_opt(9, 0, 0).expect("a valid time"),
        "Africa/Johannesburg",
    );
    rent.label = Some("Pay rent".into());
    rent.recurrence = Some(Some(Recurrence {
        every: Every {
            count: 1,
            unit: Unit::Months,
        },
        end: End::Never,
    }));
    reminders::add(connection, &rent, now)?;
    Ok(())
}
