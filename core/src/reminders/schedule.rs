//! The time engine of reminders: when an appointment, dose or reminder happens.
//!
//! This module owns:
//! - recurrence rules (every N days, weeks or months; forever, until a date, or a number of times);
//! - series that live in local wall-clock time in an IANA zone ("every day at 08:00" stays at 08:00
//!   when the zone's offset changes), and how a local time that does not exist (a DST gap) or
//!   exists twice (fall back) becomes one instant;
//! - month ends (31 January, then 28 or 29 February, then 31 March: always from the start date);
//! - reminder offsets (two hours before, the day before at 18:00) and quiet hours;
//! - the parsers for the text forms people and the CLI type ("13w", "1d@18:00", "22:00-07:00").
//!
//! It must never read the clock (callers pass `now` and the ranges they want), store or log
//! anything, panic on any input (arithmetic is checked, every loop is bounded), or repeat what a
//! person typed in an error message (errors say what is wrong and show an example instead).

use std::fmt;

use chrono::offset::LocalResult;
use chrono::Offset as _;
use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The longest interval: `Every::count` is 1 to this many units.
pub const MAX_EVERY_COUNT: u32 = 120;
/// The most occurrences an `End::Count` series can have.
pub const MAX_END_COUNT: u32 = 1000;
/// The longest `Offset::MinutesBefore`: 30 days.
pub const MAX_MINUTES_BEFORE: u32 = 43_200;
/// The most days of `Offset::DaysBeforeAt`.
pub const MAX_DAYS_BEFORE: u32 = 60;
/// `occurrences_between` never returns more than this many, whatever `limit` asks: it bounds the
/// work of one call on a never-ending daily series; callers page on from the last instant.
pub const MAX_OCCURRENCES_PER_QUERY: usize = 10_000;

/// How far the first-occurrence estimate of `occurrences_between` may be corrected. The estimate
/// is off by at most a few occurrences (zone offsets and DST gaps move instants by hours), so
/// needing more steps means a bug, reported as an internal error rather than a wrong answer.
const MAX_ADJUST_STEPS: u32 = 16;
/// Parsers refuse longer text before doing any work on it.
const MAX_INPUT_CHARS: usize = 64;

/// The unit of a repetition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Days,
    Weeks,
    Months,
}

/// How often a series repeats: `count` (1 to [`MAX_EVERY_COUNT`]) `unit`s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Every {
    pub count: u32,
    pub unit: Unit,
}

/// When a series stops.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum End {
    /// It goes on (a daily pill, a three-monthly refill).
    Never,
    /// The last occurrence falls on or before this local date (inclusive).
    Until(NaiveDate),
    /// This many occurrences in total, the first included (1 to [`MAX_END_COUNT`]).
    Count(u32),
}

/// A repetition and its end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recurrence {
    pub every: Every,
    pub end: End,
}

/// Where a series of appointments lives in local time: a start date, a wall-clock time and an IANA
/// zone. "Every day at 08:00" stays at 08:00 local when the zone's offset changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalSchedule {
    /// The local date of the first occurrence (index 0).
    pub start: NaiveDate,
    /// The local wall-clock time of every occurrence.
    pub time: NaiveTime,
    /// An IANA zone name such as "Africa/Johannesburg".
    pub zone: String,
    /// `None`: one appointment, at `start`.
    pub recurrence: Option<Recurrence>,
}

/// When a reminder fires relative to its appointment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Offset {
    /// At the appointment itself.
    AtTime,
    /// A duration before it (e.g. two hours before), in minutes (0 to [`MAX_MINUTES_BEFORE`]).
    MinutesBefore(u32),
    /// N days before, at a local time (e.g. the day before at 18:00 = `DaysBeforeAt { days: 1,
    /// time: 18:00 }`), days 0 to [`MAX_DAYS_BEFORE`].
    DaysBeforeAt { days: u32, time: NaiveTime },
}

/// Local quiet hours during which nothing fires: [start, end), may wrap past midnight
/// (22:00–07:00). `start == end` means no quiet hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

// ---------------------------------------------------------------------------------------------
// Recurrence rules
// ---------------------------------------------------------------------------------------------

impl Every {
    /// A checked interval.
    pub fn new(count: u32, unit: Unit) -> Result<Every> {
        let every = Every { count, unit };
        every.validate()?;
        Ok(every)
    }

    /// Parses "1d", "13w", "3m", "2 weeks" (case-insensitive; d/day/days, w/week/weeks,
    /// m/month/months; a leading "every" is allowed).
    pub fn parse(text: &str) -> Result<Every> {
        const FIELD: &str = "every";
        const EXAMPLE: &str = "e.g. 1d, 13w or 3m";
        let tidy = tidy_input(text, FIELD, EXAMPLE)?;
        let body = tidy.strip_prefix("every").map_or(tidy.as_str(), str::trim_start);
        let (number, unit_word) = split_leading_digits(body);
        if number.is_empty() {
            return Err(Error::invalid(FIELD, format!("start with a number, {EXAMPLE}")));
        }
        let unit = match unit_word.trim() {
            "d" | "day" | "days" => Unit::Days,
            "w" | "week" | "weeks" => Unit::Weeks,
            "m" | "month" | "months" => Unit::Months,
            "" => {
                return Err(Error::invalid(
                    FIELD,
                    format!("add a unit: d (days), w (weeks) or m (months), {EXAMPLE}"),
                ))
            }
            _ => {
                return Err(Error::invalid(
                    FIELD,
                    format!("unknown unit: use d (days), w (weeks) or m (months), {EXAMPLE}"),
                ))
            }
        };
        // A number too long for u32 is out of range like any other large number.
        let count = number.parse::<u32>().unwrap_or(u32::MAX);
        Every::new(count, unit)
    }

    /// Checks the count (stored values are checked again before use, as JSON can hold anything).
    pub fn validate(&self) -> Result<()> {
        if !(1..=MAX_EVERY_COUNT).contains(&self.count) {
            return Err(Error::invalid(
                "every",
                format!("repeat every 1 to {MAX_EVERY_COUNT} days, weeks or months"),
            ));
        }
        Ok(())
    }

    /// The local date `steps` intervals after `start`, computed from the start in one go so that a
    /// month end is never lost (31 Jan + 2 months is 31 Mar, not 28 Mar). `None` when out of
    /// chrono's range.
    fn after(&self, start: NaiveDate, steps: u32) -> Option<NaiveDate> {
        // Both factors are u32, so the product always fits in u64.
        let units = u64::from(steps) * u64::from(self.count);
        match self.unit {
            Unit::Days => start.checked_add_days(chrono::Days::new(units)),
            Unit::Weeks => start.checked_add_days(chrono::Days::new(units.checked_mul(7)?)),
            // chrono clamps to the month's last day when the start's day does not exist.
            Unit::Months => start.checked_add_months(chrono::Months::new(u32::try_from(units).ok()?)),
        }
    }

    /// Roughly how many whole intervals lie between `start` and `date` (0 when `date` is not
    /// after `start`): the index of an occurrence on or a little before `date`.
    fn steps_until(&self, start: NaiveDate, date: NaiveDate) -> u32 {
        let count = u64::from(self.count.max(1));
        let units = match self.unit {
            Unit::Days | Unit::Weeks => {
                let days = date.signed_duration_since(start).num_days();
                let days_per_unit = if self.unit == Unit::Weeks { 7 } else { 1 };
                u64::try_from(days).unwrap_or(0) / days_per_unit
            }
            Unit::Months => {
                let month_number = |day: NaiveDate| i64::from(day.year()) * 12 + i64::from(day.month0());
                u64::try_from(month_number(date) - month_number(start)).unwrap_or(0)
            }
        };
        u32::try_from(units / count).unwrap_or(u32::MAX)
    }
}

impl fmt::Display for Every {
    /// The short form `parse` reads back: "13w".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            Unit::Days => "d",
            Unit::Weeks => "w",
            Unit::Months => "m",
        };
        write!(f, "{}{unit}", self.count)
    }
}

impl End {
    pub fn validate(&self) -> Result<()> {
        match self {
            End::Count(count) if !(1..=MAX_END_COUNT).contains(count) => Err(Error::invalid(
                "count",
                format!("a series has 1 to {MAX_END_COUNT} occurrences"),
            )),
            _ => Ok(()),
        }
    }
}

impl Recurrence {
    pub fn validate(&self) -> Result<()> {
        self.every.validate()?;
        self.end.validate()
    }
}

// ---------------------------------------------------------------------------------------------
// Series in local time
// ---------------------------------------------------------------------------------------------

impl LocalSchedule {
    /// A checked schedule (zone known, recurrence in range, end not before the start).
    pub fn new(
        start: NaiveDate,
        time: NaiveTime,
        zone: impl Into<String>,
        recurrence: Option<Recurrence>,
    ) -> Result<LocalSchedule> {
        let schedule = LocalSchedule {
            start,
            time,
            zone: zone.into(),
            recurrence,
        };
        schedule.validate()?;
        Ok(schedule)
    }

    /// The zone, or a clear error for a name that is not an IANA zone.
    pub fn zone(&self) -> Result<Tz> {
        parse_zone(&self.zone)
    }

    /// Checks everything a new schedule could get wrong (call it, or [`LocalSchedule::new`],
    /// before storing one); returns its zone.
    pub fn validate(&self) -> Result<Tz> {
        let zone = self.computable_zone()?;
        if let Some(Recurrence {
            end: End::Until(last), ..
        }) = &self.recurrence
        {
            if *last < self.start {
                return Err(Error::invalid("until", "the end date is before the first appointment"));
            }
        }
        Ok(zone)
    }

    /// The zone, once the schedule is known to be computable. Unlike `validate`, an end date
    /// before the start is no error here: such a stored series simply has no occurrences, and one
    /// odd reminder must not stop the others from being planned.
    fn computable_zone(&self) -> Result<Tz> {
        let zone = self.zone()?;
        if let Some(recurrence) = &self.recurrence {
            recurrence.validate()?;
        }
        Ok(zone)
    }

    /// The local date of occurrence `index` (0 = start), or `None` past the end (count or until),
    /// beyond the calendar's range, or when the recurrence is out of range (a stored value that
    /// does not validate yields no dates rather than wrong ones).
    ///
    /// Months: the start's day of month, clamped to the month's last day, and back to the start's
    /// day in longer months (31 Jan → 28/29 Feb → 31 Mar → 30 Apr → 31 May), because every date is
    /// computed from the start (start + index × every), never by stepping from a clamped date.
    pub fn occurrence_date(&self, index: u32) -> Option<NaiveDate> {
        let Some(recurrence) = &self.recurrence else {
            return (index == 0).then_some(self.start);
        };
        recurrence.validate().ok()?;
        if let End::Count(total) = recurrence.end {
            if index >= total {
                return None;
            }
        }
        let date = recurrence.every.after(self.start, index)?;
        match recurrence.end {
            End::Until(last) if date > last => None,
            _ => Some(date),
        }
    }

    /// The instant of occurrence `index`: its local date and time resolved in the zone (see
    /// [`resolve_local`]). An error for an unknown zone or an out-of-range recurrence; `None` past
    /// the end.
    pub fn occurrence_instant(&self, index: u32) -> Result<Option<DateTime<Utc>>> {
        let zone = self.computable_zone()?;
        Ok(self.instant_in(zone, index))
    }

    /// Occurrences with their instant in [from, to), at most `limit` (and at most
    /// [`MAX_OCCURRENCES_PER_QUERY`]), as (index, instant), in index order.
    ///
    /// The first index is found arithmetically (whole intervals between the start and `from`),
    /// then corrected by a few steps, so a series started years ago costs no more than a new one.
    pub fn occurrences_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<(u32, DateTime<Utc>)>> {
        let zone = self.computable_zone()?;
        let wanted = limit.min(MAX_OCCURRENCES_PER_QUERY);
        if wanted == 0 || from >= to {
            return Ok(Vec::new());
        }
        let mut index = self.first_index_estimate(from.date_naive());

        // Step back while the previous occurrence is still at or after `from` (or past the end,
        // which the estimate can overshoot): afterwards every index before `index` is too early.
        let mut settled = false;
        for _ in 0..MAX_ADJUST_STEPS {
            if index == 0 {
                settled = true;
                break;
            }
            match self.instant_in(zone, index - 1) {
                Some(previous) if previous < from => {
                    settled = true;
                    break;
                }
                _ => index -= 1,
            }
        }
        if !settled {
            return Err(Error::Internal(
                "reminder schedule: the first occurrence was not found".into(),
            ));
        }

        let mut found = Vec::new();
        let mut skipped = 0;
        while found.len() < wanted {
            let Some(instant) = self.instant_in(zone, index) else {
                break; // past the end of the series
            };
            if instant >= to {
                break;
            }
            if instant >= from {
                found.push((index, instant));
            } else {
                skipped += 1;
                if skipped > MAX_ADJUST_STEPS {
                    return Err(Error::Internal(
                        "reminder schedule: the first occurrence was not found".into(),
                    ));
                }
            }
            index = match index.checked_add(1) {
                Some(next) => next,
                None => break,
            };
        }
        Ok(found)
    }

    /// An index at or a little after the first occurrence on or after `date`, never past the end
    /// by more than a couple of indices (the caller steps back from it).
    fn first_index_estimate(&self, date: NaiveDate) -> u32 {
        let Some(recurrence) = &self.recurrence else {
            return 0;
        };
        let every = &recurrence.every;
        let estimate = every.steps_until(self.start, date);
        match recurrence.end {
            End::Never => estimate,
            End::Count(total) => estimate.min(total),
            // The month estimate can be one interval high when the until date's day of month is
            // earlier than the (clamped) occurrence day, hence the margin of two.
            End::Until(last) => estimate.min(every.steps_until(self.start, last).saturating_add(2)),
        }
    }

    fn instant_in(&self, zone: Tz, index: u32) -> Option<DateTime<Utc>> {
        self.occurrence_date(index)
            .map(|date| resolve_local(date, self.time, zone))
    }
}

fn parse_zone(name: &str) -> Result<Tz> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("zone", "give a time zone, e.g. Africa/Johannesburg"));
    }
    name.parse::<Tz>().map_err(|_| {
        Error::invalid(
            "zone",
            "not a known IANA time zone name; use one like Africa/Johannesburg",
        )
    })
}

/// Resolves a local date and time in a zone: in a DST gap (a local time that does not exist) the
/// time moves forward by the gap's length (02:30 in a spring-forward gap of one hour → 03:30
/// local); an ambiguous time (fall back) takes the earlier instant.
pub fn resolve_local(date: NaiveDate, time: NaiveTime, zone: Tz) -> DateTime<Utc> {
    let local = date.and_time(time);
    match zone.offset_from_local_datetime(&local) {
        LocalResult::Single(offset) => utc_of(local, offset.fix()),
        LocalResult::Ambiguous(first, second) => utc_of(local, first.fix()).min(utc_of(local, second.fix())),
        LocalResult::None => {
            // Reading the local time with the offset in force before the gap gives the instant
            // that the clock, once it has jumped, shows as local + gap: exactly "moved forward by
            // the gap's length". A day earlier is before the transition (offsets stay under 24 h).
            let before_gap = local.checked_sub_signed(TimeDelta::days(1)).unwrap_or(local);
            utc_of(local, zone.offset_from_utc_datetime(&before_gap).fix())
        }
    }
}

/// The instant of a local time at a fixed offset; at the very edge of chrono's range, where that
/// cannot be represented, the local time read as UTC (a few hours off, never a panic).
fn utc_of(local: NaiveDateTime, offset: FixedOffset) -> DateTime<Utc> {
    local.checked_sub_offset(offset).unwrap_or(local).and_utc()
}

/// The local wall-clock time of an instant (chrono's own conversion panics at the edge of its range).
fn local_of(instant: DateTime<Utc>, zone: Tz) -> NaiveDateTime {
    let utc = instant.naive_utc();
    let offset = zone.offset_from_utc_datetime(&utc).fix();
    utc.checked_add_offset(offset).unwrap_or(utc)
}

// ---------------------------------------------------------------------------------------------
// Offsets
// ---------------------------------------------------------------------------------------------

impl Offset {
    /// Parses "at", "2h", "90m", "1d@18:00" / "1d 18:00" (case-insensitive; also "2 hours",
    /// "90 min", "1 day@18:00"). Here "m" means minutes.
    pub fn parse(text: &str) -> Result<Offset> {
        const FIELD: &str = "offset";
        const EXAMPLE: &str = "e.g. at, 2h, 90m or 1d@18:00";
        let tidy = tidy_input(text, FIELD, EXAMPLE)?;
        if tidy == "at" {
            return Ok(Offset::AtTime);
        }
        let days_and_time = tidy.split_once('@').or_else(|| {
            // "1d 18:00": the time is the last word, recognised by its colon.
            tidy.contains(':')
                .then(|| tidy.rsplit_once(char::is_whitespace))
                .flatten()
        });
        if let Some((days_text, time_text)) = days_and_time {
            return Offset::days_before_at(days_text, time_text);
        }
        if tidy.contains(':') {
            return Err(Error::invalid(FIELD, format!("say how many days before, {EXAMPLE}")));
        }

        let (number, unit_word) = split_leading_digits(&tidy);
        if number.is_empty() {
            return Err(Error::invalid(
                FIELD,
                format!("start with a number or say \"at\", {EXAMPLE}"),
            ));
        }
        let minutes_per_unit: u64 = match unit_word.trim() {
            "h" | "hour" | "hours" => 60,
            "m" | "min" | "mins" | "minute" | "minutes" => 1,
            "d" | "day" | "days" => {
                return Err(Error::invalid(
                    FIELD,
                    "add the time of day, e.g. 1d@18:00 for the day before at 18:00",
                ))
            }
            "" => {
                return Err(Error::invalid(
                    FIELD,
                    format!("add a unit: h (hours) or m (minutes), {EXAMPLE}"),
                ))
            }
            _ => {
                return Err(Error::invalid(
                    FIELD,
                    format!("unknown unit: use h (hours), m (minutes) or 1d@18:00, {EXAMPLE}"),
                ))
            }
        };
        let minutes = number
            .parse::<u64>()
            .ok()
            .and_then(|amount| amount.checked_mul(minutes_per_unit))
            .and_then(|minutes| u32::try_from(minutes).ok())
            .unwrap_or(u32::MAX);
        let offset = Offset::MinutesBefore(minutes);
        offset.validate()?;
        Ok(offset)
    }

    fn days_before_at(days_text: &str, time_text: &str) -> Result<Offset> {
        const FIELD: &str = "offset";
        let (number, unit_word) = split_leading_digits(days_text.trim());
        if number.is_empty() || !matches!(unit_word.trim(), "d" | "day" | "days") {
            return Err(Error::invalid(FIELD, "write the days before and a time, e.g. 1d@18:00"));
        }
        let days = number.parse::<u32>().unwrap_or(u32::MAX);
        let offset = Offset::DaysBeforeAt {
            days,
            time: parse_time_in(time_text, FIELD)?,
        };
        offset.validate()?;
        Ok(offset)
    }

    /// Checks the ranges (`parse` does; call it for values built in code or read from JSON).
    /// `fire_instant` computes any value as given, so an out-of-range one is never a panic.
    pub fn validate(&self) -> Result<()> {
        match self {
            Offset::MinutesBefore(minutes) if *minutes > MAX_MINUTES_BEFORE => Err(Error::invalid(
                "offset",
                format!("remind at most {MAX_MINUTES_BEFORE} minutes (30 days) before"),
            )),
            Offset::DaysBeforeAt { days, .. } if *days > MAX_DAYS_BEFORE => Err(Error::invalid(
                "offset",
                format!("remind at most {MAX_DAYS_BEFORE} days before"),
            )),
            _ => Ok(()),
        }
    }

    /// When the reminder for an appointment fires. `MinutesBefore` is a plain duration;
    /// `DaysBeforeAt` counts local calendar days in `zone` and resolves the local time there (so
    /// "the day before at 18:00" is 18:00 on the clock even across a DST change). A reminder never
    /// fires after its appointment: "0 days before at 18:00" for a 09:00 appointment fires at 09:00.
    pub fn fire_instant(&self, appointment: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
        match self {
            Offset::AtTime => appointment,
            Offset::MinutesBefore(minutes) => appointment
                .checked_sub_signed(TimeDelta::minutes(i64::from(*minutes)))
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
            Offset::DaysBeforeAt { days, time } => {
                let appointment_day = local_of(appointment, zone).date();
                match appointment_day.checked_sub_days(chrono::Days::new(u64::from(*days))) {
                    Some(day) => resolve_local(day, *time, zone).min(appointment),
                    None => DateTime::<Utc>::MIN_UTC,
                }
            }
        }
    }
}

impl fmt::Display for Offset {
    /// The short form `parse` reads back: "at", "2h", "90m", "1d@18:00".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Offset::AtTime => f.write_str("at"),
            Offset::MinutesBefore(minutes) if *minutes > 0 && minutes % 60 == 0 => write!(f, "{}h", minutes / 60),
            Offset::MinutesBefore(minutes) => write!(f, "{minutes}m"),
            Offset::DaysBeforeAt { days, time } => write!(f, "{days}d@{}", ClockTime(*time)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Quiet hours
// ---------------------------------------------------------------------------------------------

impl QuietHours {
    /// Parses "22:00-07:00" (an en dash works too).
    pub fn parse(text: &str) -> Result<QuietHours> {
        const FIELD: &str = "quiet_hours";
        let tidy = tidy_input(text, FIELD, "e.g. 22:00-07:00")?;
        let Some((start, end)) = tidy.split_once(['-', '–']) else {
            return Err(Error::invalid(FIELD, "give a start and an end time, e.g. 22:00-07:00"));
        };
        Ok(QuietHours {
            start: parse_time_in(start, FIELD)?,
            end: parse_time_in(end, FIELD)?,
        })
    }

    /// Whether the local wall-clock time falls in the quiet period.
    pub fn contains(&self, local: NaiveTime) -> bool {
        if self.start <= self.end {
            self.start <= local && local < self.end
        } else {
            local >= self.start || local < self.end
        }
    }

    /// An instant inside the quiet period moves to the period's end (local, resolved in the zone);
    /// others are unchanged. The result is never earlier than `instant`.
    pub fn shift(&self, instant: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
        let local = local_of(instant, zone);
        if !self.contains(local.time()) {
            return instant;
        }
        // In a period that wraps midnight, a time after its start ends on the next day.
        let wraps_to_next_day = self.start > self.end && local.time() >= self.start;
        let end_day = if wraps_to_next_day {
            local.date().succ_opt()
        } else {
            Some(local.date())
        };
        let Some(end_day) = end_day else {
            return instant;
        };
        let end = resolve_local(end_day, self.end, zone);
        if end >= instant {
            return end;
        }
        // Only when the end's wall-clock time happens twice (fall back) and the instant is in the
        // second pass can the earlier reading lie behind it: then the period ends at the later one.
        match zone.from_local_datetime(&end_day.and_time(self.end)).latest() {
            Some(later) if later.to_utc() >= instant => later.to_utc(),
            _ => instant,
        }
    }
}

impl fmt::Display for QuietHours {
    /// The form `parse` reads back: "22:00-07:00".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", ClockTime(self.start), ClockTime(self.end))
    }
}

// ---------------------------------------------------------------------------------------------
// Text forms
// ---------------------------------------------------------------------------------------------

/// Parses a local date and time: "2026-12-01 08:00", "2026-12-01T08:00", "2026-12-01T08:00:00"
/// (field "at").
pub fn parse_local_datetime(text: &str) -> Result<(NaiveDate, NaiveTime)> {
    const FIELD: &str = "at";
    let tidy = tidy_input(text, FIELD, "e.g. 2026-12-01 08:00")?;
    let Some((date, time)) = tidy.split_once(['t', ' ']) else {
        return Err(Error::invalid(FIELD, "give a date and a time, e.g. 2026-12-01 08:00"));
    };
    Ok((parse_date_in(date, FIELD)?, parse_time_in(time, FIELD)?))
}

/// Parses a date: "2027-03-01" (field "until").
pub fn parse_date(text: &str) -> Result<NaiveDate> {
    const FIELD: &str = "until";
    tidy_input(text, FIELD, "e.g. 2027-03-01")?;
    parse_date_in(text, FIELD)
}

/// Parses a time of day: "08:00" or "08:00:00" (field "time").
pub fn parse_time(text: &str) -> Result<NaiveTime> {
    const FIELD: &str = "time";
    tidy_input(text, FIELD, "e.g. 08:00")?;
    parse_time_in(text, FIELD)
}

/// Trimmed, lower-case text, refused when empty or too long to be any of our forms.
fn tidy_input(text: &str, field: &'static str, example: &str) -> Result<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid(
            field,
            format!("nothing given; write it like this: {example}"),
        ));
    }
    if trimmed.chars().count() > MAX_INPUT_CHARS {
        return Err(Error::invalid(
            field,
            format!("too long; write it like this: {example}"),
        ));
    }
    Ok(trimmed.to_lowercase())
}

/// "13w" → ("13", "w"). The split is on an ASCII digit boundary, so always on a char boundary.
fn split_leading_digits(text: &str) -> (&str, &str) {
    let end = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    text.split_at(end)
}

/// A number of `min_len` to `max_len` ASCII digits.
fn digits(text: &str, min_len: usize, max_len: usize) -> Option<u32> {
    let valid = (min_len..=max_len).contains(&text.len()) && text.bytes().all(|byte| byte.is_ascii_digit());
    if valid {
        text.parse().ok()
    } else {
        None
    }
}

fn parse_time_in(text: &str, field: &'static str) -> Result<NaiveTime> {
    let shape = || Error::invalid(field, "write the time as hours and minutes, e.g. 08:00 or 18:30");
    let parts: Vec<&str> = text.trim().split(':').collect();
    let (hour, minute, second) = match parts.as_slice() {
        [hour, minute] => (*hour, *minute, None),
        [hour, minute, second] => (*hour, *minute, Some(*second)),
        _ => return Err(shape()),
    };
    let hour = digits(hour, 1, 2).ok_or_else(shape)?;
    let minute = digits(minute, 2, 2).ok_or_else(shape)?;
    let second = match second {
        Some(second) => digits(second, 2, 2).ok_or_else(shape)?,
        None => 0,
    };
    if hour > 23 {
        return Err(Error::invalid(field, "the hour must be 00 to 23"));
    }
    if minute > 59 {
        return Err(Error::invalid(field, "the minutes must be 00 to 59"));
    }
    if second > 59 {
        return Err(Error::invalid(field, "the seconds must be 00 to 59"));
    }
    NaiveTime::from_hms_opt(hour, minute, second).ok_or_else(shape)
}

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn parse_date_in(text: &str, field: &'static str) -> Result<NaiveDate> {
    let shape = || Error::invalid(field, "write the date as year-month-day, e.g. 2027-03-01");
    let parts: Vec<&str> = text.trim().split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return Err(shape());
    };
    let year = digits(year, 4, 4).ok_or_else(shape)?;
    let month = digits(month, 1, 2).ok_or_else(shape)?;
    let day = digits(day, 1, 2).ok_or_else(shape)?;
    let Some(month_name) = month.checked_sub(1).and_then(|month0| MONTH_NAMES.get(month0 as usize)) else {
        return Err(Error::invalid(field, "the month must be 01 to 12"));
    };
    // Four digits always fit in i32.
    let year = i32::try_from(year).map_err(|_| shape())?;
    let last_day = days_in_month(year, month);
    if day == 0 || day > last_day {
        return Err(Error::invalid(
            field,
            format!("no such date: {month_name} {year} has {last_day} days"),
        ));
    }
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(shape)
}

fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// "08:00", or "08:00:30" when there are seconds: the form the parsers read back.
struct ClockTime(NaiveTime);

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.second() {
            0 => write!(f, "{:02}:{:02}", self.0.hour(), self.0.minute()),
            second => write!(f, "{:02}:{:02}:{second:02}", self.0.hour(), self.0.minute()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    fn clock(hour: u32, minute: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(hour, minute, 0).unwrap()
    }

    fn utc(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        date(year, month, day).and_time(clock(hour, minute)).and_utc()
    }

    fn zone(name: &str) -> Tz {
        name.parse().unwrap()
    }

    fn series(start: NaiveDate, time: NaiveTime, zone: &str, count: u32, unit: Unit, end: End) -> LocalSchedule {
        LocalSchedule::new(
            start,
            time,
            zone,
            Some(Recurrence {
                every: Every { count, unit },
                end,
            }),
        )
        .unwrap()
    }

    fn dates(schedule: &LocalSchedule, how_many: u32) -> Vec<NaiveDate> {
        (0..how_many)
            .map_while(|index| schedule.occurrence_date(index))
            .collect()
    }

    fn field_of(error: Error) -> (&'static str, String) {
        match error {
            Error::InvalidInput { field, reason } => (field, reason),
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    // --- Month ends and leap years ---

    #[test]
    fn monthly_from_31_january_clamps_and_returns_to_the_31st() {
        let monthly = series(
            date(2027, 1, 31),
            clock(9, 0),
            "Africa/Johannesburg",
            1,
            Unit::Months,
            End::Never,
        );
        assert_eq!(
            dates(&monthly, 6),
            vec![
                date(2027, 1, 31),
                date(2027, 2, 28),
                date(2027, 3, 31),
                date(2027, 4, 30),
                date(2027, 5, 31),
                date(2027, 6, 30)
            ]
        );
    }

    #[test]
    fn monthly_from_31_january_of_a_leap_year_reaches_29_february() {
        let monthly = series(
            date(2028, 1, 31),
            clock(9, 0),
            "Africa/Johannesburg",
            1,
            Unit::Months,
            End::Never,
        );
        assert_eq!(
            dates(&monthly, 3),
            vec![date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31)]
        );
    }

    #[test]
    fn from_29_february_every_12_and_48_months() {
        let yearly = series(
            date(2028, 2, 29),
            clock(9, 0),
            "Africa/Johannesburg",
            12,
            Unit::Months,
            End::Never,
        );
        assert_eq!(
            dates(&yearly, 5),
            vec![
                date(2028, 2, 29),
                date(2029, 2, 28),
                date(2030, 2, 28),
                date(2031, 2, 28),
                date(2032, 2, 29)
            ]
        );
        let every_four_years = series(
            date(2028, 2, 29),
            clock(9, 0),
            "Africa/Johannesburg",
            48,
            Unit::Months,
            End::Never,
        );
        assert_eq!(
            dates(&every_four_years, 3),
            vec![date(2028, 2, 29), date(2032, 2, 29), date(2036, 2, 29)]
        );
    }

    #[test]
    fn every_3_months_from_30_november() {
        let quarterly = series(
            date(2026, 11, 30),
            clock(9, 0),
            "Africa/Johannesburg",
            3,
            Unit::Months,
            End::Never,
        );
        assert_eq!(
            dates(&quarterly, 6),
            vec![
                date(2026, 11, 30),
                date(2027, 2, 28),
                date(2027, 5, 30),
                date(2027, 8, 30),
                date(2027, 11, 30),
                date(2028, 2, 29)
            ]
        );
    }

    #[test]
    fn year_2100_is_not_a_leap_year_but_2000_is() {
        let from_2100 = series(
            date(2100, 1, 31),
            clock(9, 0),
            "Africa/Johannesburg",
            1,
            Unit::Months,
            End::Never,
        );
        assert_eq!(
            dates(&from_2100, 3),
            vec![date(2100, 1, 31), date(2100, 2, 28), date(2100, 3, 31)]
        );
        let from_2000 = series(
            date(2000, 1, 31),
            clock(9, 0),
            "Africa/Johannesburg",
            1,
            Unit::Months,
            End::Never,
        );
        assert_eq!(from_2000.occurrence_date(1), Some(date(2000, 2, 29)));
    }

    // --- Injection series, ends, PEP ---

    #[test]
    fn thirteen_week_injections_over_a_year() {
        let injections = series(
            date(2027, 1, 5),
            clock(10, 0),
            "Africa/Johannesburg",
            13,
            Unit::Weeks,
            End::Never,
        );
        assert_eq!(
            dates(&injections, 5),
            vec![
                date(2027, 1, 5),
                date(2027, 4, 6),
                date(2027, 7, 6),
                date(2027, 10, 5),
                date(2028, 1, 4)
            ]
        );
    }

    #[test]
    fn eight_week_injections_over_a_year() {
        let injections = series(
            date(2027, 1, 5),
            clock(10, 0),
            "Africa/Johannesburg",
            8,
            Unit::Weeks,
            End::Never,
        );
        assert_eq!(
            dates(&injections, 8),
            vec![
                date(2027, 1, 5),
                date(2027, 3, 2),
                date(2027, 4, 27),
                date(2027, 6, 22),
                date(2027, 8, 17),
                date(2027, 10, 12),
                date(2027, 12, 7),
                date(2028, 2, 1)
            ]
        );
    }

    #[test]
    fn count_gives_exactly_that_many() {
        let four = series(
            date(2027, 1, 5),
            clock(10, 0),
            "Africa/Johannesburg",
            13,
            Unit::Weeks,
            End::Count(4),
        );
        assert_eq!(dates(&four, 100).len(), 4);
        assert_eq!(four.occurrence_date(3), Some(date(2027, 10, 5)));
        assert_eq!(four.occurrence_date(4), None);
        let all = four
            .occurrences_between(utc(2000, 1, 1, 0, 0), utc(2100, 1, 1, 0, 0), 100)
            .unwrap();
        assert_eq!(
            all.iter().map(|(index, _)| *index).collect::<Vec<_>>(),
            vec![0, 1, 2, 3]
        );
    }

    #[test]
    fn until_includes_its_own_date() {
        let through_october = series(
            date(2027, 1, 5),
            clock(10, 0),
            "Africa/Johannesburg",
            13,
            Unit::Weeks,
            End::Until(date(2027, 10, 5)),
        );
        assert_eq!(dates(&through_october, 100).last(), Some(&date(2027, 10, 5)));
        assert_eq!(dates(&through_october, 100).len(), 4);
        let day_before = series(
            date(2027, 1, 5),
            clock(10, 0),
            "Africa/Johannesburg",
            13,
            Unit::Weeks,
            End::Until(date(2027, 10, 4)),
        );
        assert_eq!(dates(&day_before, 100).len(), 3);
    }

    #[test]
    fn pep_course_is_28_daily_doses() {
        let pep = series(
            date(2027, 3, 10),
            clock(21, 0),
            "Africa/Johannesburg",
            1,
            Unit::Days,
            End::Count(28),
        );
        let doses = pep
            .occurrences_between(utc(2027, 1, 1, 0, 0), utc(2028, 1, 1, 0, 0), 1000)
            .unwrap();
        assert_eq!(doses.len(), 28);
        assert_eq!(doses.first(), Some(&(0, utc(2027, 3, 10, 19, 0))));
        assert_eq!(doses.last(), Some(&(27, utc(2027, 4, 6, 19, 0))));
        assert_eq!(pep.occurrence_instant(28).unwrap(), None);
    }

    // --- Time zones ---

    #[test]
    fn southern_african_zones_are_two_hours_ahead() {
        for name in ["Africa/Johannesburg", "Africa/Maputo"] {
            let daily = series(date(2027, 6, 1), clock(8, 0), name, 1, Unit::Days, End::Never);
            assert_eq!(
                daily.occurrence_instant(0).unwrap(),
                Some(utc(2027, 6, 1, 6, 0)),
                "{name}"
            );
            // No DST: the same in January.
            assert_eq!(
                daily.occurrence_instant(214).unwrap(),
                Some(utc(2028, 1, 1, 6, 0)),
                "{name}"
            );
        }
    }

    #[test]
    fn lisbon_daily_stays_at_8_local_across_dst_changes() {
        let spring = series(
            date(2026, 3, 28),
            clock(8, 0),
            "Europe/Lisbon",
            1,
            Unit::Days,
            End::Never,
        );
        assert_eq!(spring.occurrence_instant(0).unwrap(), Some(utc(2026, 3, 28, 8, 0)));
        assert_eq!(spring.occurrence_instant(1).unwrap(), Some(utc(2026, 3, 29, 7, 0)));
        let autumn = series(
            date(2026, 10, 24),
            clock(8, 0),
            "Europe/Lisbon",
            1,
            Unit::Days,
            End::Never,
        );
        assert_eq!(autumn.occurrence_instant(0).unwrap(), Some(utc(2026, 10, 24, 7, 0)));
        assert_eq!(autumn.occurrence_instant(1).unwrap(), Some(utc(2026, 10, 25, 8, 0)));
        let lisbon = zone("Europe/Lisbon");
        for index in 0..3 {
            let instant = autumn.occurrence_instant(index).unwrap().unwrap();
            assert_eq!(instant.with_timezone(&lisbon).time(), clock(8, 0));
        }
    }

    #[test]
    fn a_time_in_a_dst_gap_moves_forward_by_the_gap() {
        let new_york = zone("America/New_York");
        let resolved = resolve_local(date(2026, 3, 8), clock(2, 30), new_york);
        assert_eq!(resolved, utc(2026, 3, 8, 7, 30));
        assert_eq!(resolved.with_timezone(&new_york).time(), clock(3, 30));
        // Lord Howe's gap is half an hour: 02:15 becomes 02:45.
        let lord_howe = zone("Australia/Lord_Howe");
        let resolved = resolve_local(date(2026, 10, 4), clock(2, 15), lord_howe);
        assert_eq!(
            resolved.with_timezone(&lord_howe).naive_local(),
            date(2026, 10, 4).and_time(clock(2, 45))
        );
    }

    #[test]
    fn an_ambiguous_time_takes_the_earlier_instant() {
        let resolved = resolve_local(date(2026, 11, 1), clock(1, 30), zone("America/New_York"));
        assert_eq!(resolved, utc(2026, 11, 1, 5, 30));
    }

    #[test]
    fn an_unknown_zone_is_a_clear_error() {
        let schedule = LocalSchedule {
            start: date(2027, 1, 1),
            time: clock(8, 0),
            zone: "Africa/Jozi".into(),
            recurrence: None,
        };
        let (field, reason) = field_of(schedule.zone().unwrap_err());
        assert_eq!(field, "zone");
        assert!(reason.contains("IANA"), "{reason}");
        assert_eq!(field_of(schedule.occurrence_instant(0).unwrap_err()).0, "zone");
        assert_eq!(
            field_of(
                schedule
                    .occurrences_between(utc(2027, 1, 1, 0, 0), utc(2028, 1, 1, 0, 0), 5)
                    .unwrap_err()
            )
            .0,
            "zone"
        );
    }

    #[test]
    fn a_one_off_schedule_has_only_its_start() {
        let once = LocalSchedule::new(date(2027, 1, 1), clock(8, 0), "Africa/Maputo", None).unwrap();
        assert_eq!(once.occurrence_date(0), Some(date(2027, 1, 1)));
        assert_eq!(once.occurrence_date(1), None);
        let found = once
            .occurrences_between(utc(2026, 1, 1, 0, 0), utc(2028, 1, 1, 0, 0), 10)
            .unwrap();
        assert_eq!(found, vec![(0, utc(2027, 1, 1, 6, 0))]);
    }

    // --- Offsets ---

    #[test]
    fn the_day_before_at_18_and_two_hours_before() {
        let johannesburg = zone("Africa/Johannesburg");
        let appointment = utc(2027, 3, 10, 7, 0); // 09:00 local
        let day_before = Offset::DaysBeforeAt {
            days: 1,
            time: clock(18, 0),
        };
        assert_eq!(
            day_before.fire_instant(appointment, johannesburg),
            utc(2027, 3, 9, 16, 0)
        );
        assert_eq!(
            Offset::MinutesBefore(120).fire_instant(appointment, johannesburg),
            utc(2027, 3, 10, 5, 0)
        );
        assert_eq!(Offset::AtTime.fire_instant(appointment, johannesburg), appointment);
    }

    #[test]
    fn days_before_uses_local_time_across_a_dst_change() {
        let lisbon = zone("Europe/Lisbon");
        let appointment = utc(2026, 3, 29, 8, 0); // 09:00 WEST, the first day of summer time
        let day_before_at_nine = Offset::DaysBeforeAt {
            days: 1,
            time: clock(9, 0),
        };
        // 09:00 WET the day before is 09:00 UTC: 23 hours earlier, not 24.
        assert_eq!(
            day_before_at_nine.fire_instant(appointment, lisbon),
            utc(2026, 3, 28, 9, 0)
        );
        assert_eq!(
            Offset::MinutesBefore(1440).fire_instant(appointment, lisbon),
            utc(2026, 3, 28, 8, 0)
        );
    }

    #[test]
    fn an_offset_never_fires_after_its_appointment() {
        let appointment = utc(2027, 3, 10, 7, 0); // 09:00 local
        let same_day_evening = Offset::DaysBeforeAt {
            days: 0,
            time: clock(18, 0),
        };
        assert_eq!(
            same_day_evening.fire_instant(appointment, zone("Africa/Johannesburg")),
            appointment
        );
        let same_day_morning = Offset::DaysBeforeAt {
            days: 0,
            time: clock(7, 0),
        };
        assert_eq!(
            same_day_morning.fire_instant(appointment, zone("Africa/Johannesburg")),
            utc(2027, 3, 10, 5, 0)
        );
    }

    // --- Quiet hours ---

    #[test]
    fn overnight_quiet_hours() {
        let johannesburg = zone("Africa/Johannesburg");
        let quiet = QuietHours::parse("22:00-07:00").unwrap();
        let local =
            |day: u32, hour: u32, minute: u32| resolve_local(date(2027, 5, day), clock(hour, minute), johannesburg);
        assert_eq!(quiet.shift(local(10, 23, 30), johannesburg), local(11, 7, 0));
        assert_eq!(quiet.shift(local(10, 22, 0), johannesburg), local(11, 7, 0));
        assert_eq!(quiet.shift(local(11, 6, 59), johannesburg), local(11, 7, 0));
        assert_eq!(quiet.shift(local(11, 7, 0), johannesburg), local(11, 7, 0));
        assert_eq!(quiet.shift(local(11, 21, 59), johannesburg), local(11, 21, 59));
        // The end itself is not quiet (shifting it would leave it where it is, so ask directly).
        assert!(quiet.contains(clock(22, 0)) && quiet.contains(clock(0, 0)) && quiet.contains(clock(6, 59)));
        assert!(!quiet.contains(clock(7, 0)) && !quiet.contains(clock(21, 59)));
    }

    #[test]
    fn daytime_quiet_hours_and_none() {
        let johannesburg = zone("Africa/Johannesburg");
        let quiet = QuietHours {
            start: clock(12, 0),
            end: clock(14, 0),
        };
        let local = |hour: u32, minute: u32| resolve_local(date(2027, 5, 10), clock(hour, minute), johannesburg);
        assert_eq!(quiet.shift(local(12, 0), johannesburg), local(14, 0));
        assert_eq!(quiet.shift(local(13, 59), johannesburg), local(14, 0));
        assert_eq!(quiet.shift(local(14, 0), johannesburg), local(14, 0));
        assert_eq!(quiet.shift(local(11, 59), johannesburg), local(11, 59));
        assert!(quiet.contains(clock(12, 0)) && !quiet.contains(clock(14, 0)) && !quiet.contains(clock(11, 59)));
        assert_eq!(quiet.shift(local(23, 30), johannesburg), local(23, 30));
        let none = QuietHours {
            start: clock(22, 0),
            end: clock(22, 0),
        };
        assert_eq!(none.shift(local(22, 0), johannesburg), local(22, 0));
    }

    #[test]
    fn quiet_hours_never_move_an_instant_back_in_a_repeated_hour() {
        // New York falls back at 02:00 EDT to 01:00 EST; quiet 01:00-01:30 happens twice.
        let new_york = zone("America/New_York");
        let quiet = QuietHours {
            start: clock(1, 0),
            end: clock(1, 30),
        };
        let second_pass = utc(2026, 11, 1, 6, 10); // 01:10 EST
        assert_eq!(quiet.shift(second_pass, new_york), utc(2026, 11, 1, 6, 30));
        let first_pass = utc(2026, 11, 1, 5, 10); // 01:10 EDT
        assert_eq!(quiet.shift(first_pass, new_york), utc(2026, 11, 1, 5, 30));
    }

    // --- occurrences_between ---

    #[test]
    fn a_weekly_series_started_ten_years_ago_finds_the_next_ones() {
        let weekly = series(
            date(2016, 6, 7),
            clock(8, 0),
            "Africa/Johannesburg",
            1,
            Unit::Weeks,
            End::Never,
        );
        let now = utc(2026, 6, 10, 12, 0);
        let next = weekly.occurrences_between(now, utc(2027, 1, 1, 0, 0), 2).unwrap();
        assert_eq!(next, vec![(523, utc(2026, 6, 16, 6, 0)), (524, utc(2026, 6, 23, 6, 0))]);
        // `from` is inclusive and `to` exclusive.
        let exact = weekly
            .occurrences_between(utc(2026, 6, 16, 6, 0), utc(2026, 6, 23, 6, 0), 10)
            .unwrap();
        assert_eq!(exact, vec![(523, utc(2026, 6, 16, 6, 0))]);
    }

    #[test]
    fn a_daily_series_from_2000_queried_in_2099() {
        let daily = series(
            date(2000, 1, 1),
            clock(21, 0),
            "Europe/Lisbon",
            1,
            Unit::Days,
            End::Never,
        );
        let found = daily
            .occurrences_between(utc(2099, 7, 1, 0, 0), utc(2099, 7, 3, 0, 0), 10)
            .unwrap();
        let first_index = u32::try_from(date(2099, 7, 1).signed_duration_since(date(2000, 1, 1)).num_days()).unwrap();
        // Lisbon summer time: 21:00 WEST is 20:00 UTC.
        assert_eq!(
            found,
            vec![
                (first_index, utc(2099, 7, 1, 20, 0)),
                (first_index + 1, utc(2099, 7, 2, 20, 0))
            ]
        );
    }

    #[test]
    fn a_monthly_series_is_found_from_an_estimate() {
        let monthly = series(
            date(2020, 1, 31),
            clock(9, 0),
            "Africa/Maputo",
            1,
            Unit::Months,
            End::Never,
        );
        let found = monthly
            .occurrences_between(utc(2030, 2, 1, 0, 0), utc(2030, 5, 1, 0, 0), 10)
            .unwrap();
        assert_eq!(
            found,
            vec![
                (121, utc(2030, 2, 28, 7, 0)),
                (122, utc(2030, 3, 31, 7, 0)),
                (123, utc(2030, 4, 30, 7, 0))
            ]
        );
    }

    #[test]
    fn limit_and_ends_are_respected() {
        let daily = series(
            date(2027, 1, 1),
            clock(8, 0),
            "Africa/Johannesburg",
            1,
            Unit::Days,
            End::Never,
        );
        assert_eq!(
            daily
                .occurrences_between(utc(2027, 1, 1, 0, 0), utc(2028, 1, 1, 0, 0), 3)
                .unwrap()
                .len(),
            3
        );
        assert_eq!(
            daily
                .occurrences_between(utc(2027, 1, 1, 0, 0), utc(2028, 1, 1, 0, 0), 0)
                .unwrap(),
            vec![]
        );
        assert_eq!(
            daily
                .occurrences_between(utc(2028, 1, 1, 0, 0), utc(2027, 1, 1, 0, 0), 5)
                .unwrap(),
            vec![]
        );
        let huge = daily
            .occurrences_between(utc(2027, 1, 1, 0, 0), utc(2200, 1, 1, 0, 0), usize::MAX)
            .unwrap();
        assert_eq!(huge.len(), MAX_OCCURRENCES_PER_QUERY);

        let counted = series(
            date(2027, 1, 1),
            clock(8, 0),
            "Africa/Johannesburg",
            1,
            Unit::Days,
            End::Count(10),
        );
        assert_eq!(
            counted
                .occurrences_between(utc(2027, 1, 5, 0, 0), utc(2028, 1, 1, 0, 0), 100)
                .unwrap()
                .len(),
            6
        );
        assert_eq!(
            counted
                .occurrences_between(utc(2030, 1, 1, 0, 0), utc(2031, 1, 1, 0, 0), 100)
                .unwrap(),
            vec![]
        );

        let until = series(
            date(2027, 1, 31),
            clock(8, 0),
            "Africa/Johannesburg",
            1,
            Unit::Months,
            End::Until(date(2027, 6, 29)),
        );
        let found = until
            .occurrences_between(utc(2027, 3, 1, 0, 0), utc(2040, 1, 1, 0, 0), 100)
            .unwrap();
        assert_eq!(found.iter().map(|(index, _)| *index).collect::<Vec<_>>(), vec![2, 3, 4]);
        assert_eq!(
            until
                .occurrences_between(utc(2035, 1, 1, 0, 0), utc(2040, 1, 1, 0, 0), 100)
                .unwrap(),
            vec![]
        );
    }

    // --- Invalid stored values and extremes ---

    #[test]
    fn invalid_stored_values_give_no_dates_and_errors() {
        let zero_every = LocalSchedule {
            start: date(2027, 1, 1),
            time: clock(8, 0),
            zone: "Africa/Johannesburg".into(),
            recurrence: Some(Recurrence {
                every: Every {
                    count: 0,
                    unit: Unit::Days,
                },
                end: End::Never,
            }),
        };
        assert_eq!(zero_every.occurrence_date(0), None);
        assert_eq!(field_of(zero_every.occurrence_instant(0).unwrap_err()).0, "every");
        let zero_count = LocalSchedule {
            recurrence: Some(Recurrence {
                every: Every {
                    count: 1,
                    unit: Unit::Days,
                },
                end: End::Count(0),
            }),
            ..zero_every.clone()
        };
        assert_eq!(field_of(zero_count.validate().unwrap_err()).0, "count");
        let until_before_start = LocalSchedule {
            recurrence: Some(Recurrence {
                every: Every {
                    count: 1,
                    unit: Unit::Days,
                },
                end: End::Until(date(2026, 1, 1)),
            }),
            ..zero_every
        };
        assert_eq!(until_before_start.occurrence_date(0), None);
        assert_eq!(field_of(until_before_start.validate().unwrap_err()).0, "until");
        // Stored anyway, it has no occurrences rather than failing every plan.
        assert_eq!(until_before_start.occurrence_instant(0).unwrap(), None);
        let anywhere = until_before_start.occurrences_between(utc(2000, 1, 1, 0, 0), utc(2100, 1, 1, 0, 0), 10);
        assert_eq!(anywhere.unwrap(), vec![]);
        assert!(Offset::MinutesBefore(MAX_MINUTES_BEFORE + 1).validate().is_err());
        assert!(Offset::DaysBeforeAt {
            days: MAX_DAYS_BEFORE + 1,
            time: clock(8, 0)
        }
        .validate()
        .is_err());
    }

    #[test]
    fn extremes_do_not_panic() {
        let kiritimati = zone("Pacific/Kiritimati");
        let decades = series(
            date(2027, 1, 1),
            clock(23, 59),
            "Pacific/Kiritimati",
            120,
            Unit::Months,
            End::Never,
        );
        assert_eq!(decades.occurrence_date(u32::MAX), None);
        let far = series(
            NaiveDate::MAX,
            clock(23, 59),
            "Pacific/Kiritimati",
            1,
            Unit::Days,
            End::Never,
        );
        assert_eq!(far.occurrence_date(1), None);
        assert!(far.occurrence_instant(0).unwrap().is_some());
        let _ = far
            .occurrences_between(DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC, 5)
            .unwrap();
        let _ = decades
            .occurrences_between(
                DateTime::<Utc>::MAX_UTC - TimeDelta::days(1),
                DateTime::<Utc>::MAX_UTC,
                5,
            )
            .unwrap();
        let _ = resolve_local(NaiveDate::MIN, clock(0, 0), zone("Pacific/Pago_Pago"));
        let _ = resolve_local(NaiveDate::MAX, clock(23, 59), kiritimati);
        let _ = Offset::MinutesBefore(MAX_MINUTES_BEFORE).fire_instant(DateTime::<Utc>::MIN_UTC, kiritimati);
        let _ = Offset::DaysBeforeAt {
            days: 60,
            time: clock(8, 0),
        }
        .fire_instant(DateTime::<Utc>::MIN_UTC, kiritimati);
        for quiet in [
            QuietHours {
                start: clock(0, 0),
                end: clock(23, 59),
            },
            QuietHours {
                start: clock(23, 0),
                end: clock(1, 0),
            },
        ] {
            assert!(quiet.shift(DateTime::<Utc>::MAX_UTC, kiritimati) >= DateTime::<Utc>::MAX_UTC);
            let _ = quiet.shift(DateTime::<Utc>::MIN_UTC, zone("Pacific/Pago_Pago"));
        }
    }

    // --- Parsers ---

    #[test]
    fn every_accepts_its_forms() {
        let every = |count, unit| Every { count, unit };
        assert_eq!(Every::parse("1d").unwrap(), every(1, Unit::Days));
        assert_eq!(Every::parse("13w").unwrap(), every(13, Unit::Weeks));
        assert_eq!(Every::parse("3m").unwrap(), every(3, Unit::Months));
        assert_eq!(Every::parse("2 weeks").unwrap(), every(2, Unit::Weeks));
        assert_eq!(Every::parse(" 1 Day ").unwrap(), every(1, Unit::Days));
        assert_eq!(Every::parse("6 MONTHS").unwrap(), every(6, Unit::Months));
        assert_eq!(Every::parse("1 month").unwrap(), every(1, Unit::Months));
        assert_eq!(Every::parse("every 8 weeks").unwrap(), every(8, Unit::Weeks));
        assert_eq!(Every::parse("120m").unwrap(), every(120, Unit::Months));
        assert_eq!(
            Every::parse(&every(13, Unit::Weeks).to_string()).unwrap(),
            every(13, Unit::Weeks)
        );
    }

    #[test]
    fn every_rejects_with_clear_errors() {
        for (text, expected) in [
            ("0d", "1 to 120"),
            ("121m", "1 to 120"),
            ("99999999999w", "1 to 120"),
            ("13x", "unknown unit"),
            ("", "nothing given"),
            ("   ", "nothing given"),
            ("d", "start with a number"),
            ("13", "add a unit"),
            ("-1d", "start with a number"),
        ] {
            let (field, reason) = field_of(Every::parse(text).unwrap_err());
            assert_eq!(field, "every", "{text:?}");
            assert!(reason.contains(expected), "{text:?}: {reason}");
        }
    }

    #[test]
    fn offset_accepts_its_forms() {
        assert_eq!(Offset::parse("at").unwrap(), Offset::AtTime);
        assert_eq!(Offset::parse("AT").unwrap(), Offset::AtTime);
        assert_eq!(Offset::parse("2h").unwrap(), Offset::MinutesBefore(120));
        assert_eq!(Offset::parse("2 hours").unwrap(), Offset::MinutesBefore(120));
        assert_eq!(Offset::parse("90m").unwrap(), Offset::MinutesBefore(90));
        assert_eq!(Offset::parse("90 min").unwrap(), Offset::MinutesBefore(90));
        assert_eq!(
            Offset::parse("720h").unwrap(),
            Offset::MinutesBefore(MAX_MINUTES_BEFORE)
        );
        let day_before_at_six = Offset::DaysBeforeAt {
            days: 1,
            time: clock(18, 0),
        };
        assert_eq!(Offset::parse("1d@18:00").unwrap(), day_before_at_six);
        assert_eq!(Offset::parse("1d 18:00").unwrap(), day_before_at_six);
        assert_eq!(Offset::parse("1 day @ 18:00").unwrap(), day_before_at_six);
        assert_eq!(
            Offset::parse("60d@07:30").unwrap(),
            Offset::DaysBeforeAt {
                days: 60,
                time: clock(7, 30)
            }
        );
        for offset in [
            Offset::AtTime,
            Offset::MinutesBefore(120),
            Offset::MinutesBefore(90),
            Offset::MinutesBefore(0),
            day_before_at_six,
        ] {
            assert_eq!(Offset::parse(&offset.to_string()).unwrap(), offset);
        }
    }

    #[test]
    fn offset_rejects_with_clear_errors() {
        for (text, expected) in [
            ("", "nothing given"),
            ("1d", "time of day"),
            ("1d@25:00", "hour must be 00 to 23"),
            ("1d@18:60", "minutes must be 00 to 59"),
            ("61d@18:00", "at most 60 days"),
            ("721h", "at most 43200 minutes"),
            ("99999999999h", "at most 43200 minutes"),
            ("5x", "unknown unit"),
            ("18:00", "how many days"),
            ("soon", "start with a number"),
            ("1w@18:00", "days before"),
        ] {
            let (field, reason) = field_of(Offset::parse(text).unwrap_err());
            assert_eq!(field, "offset", "{text:?}");
            assert!(reason.contains(expected), "{text:?}: {reason}");
        }
    }

    #[test]
    fn quiet_hours_parse() {
        assert_eq!(
            QuietHours::parse("22:00-07:00").unwrap(),
            QuietHours {
                start: clock(22, 0),
                end: clock(7, 0)
            }
        );
        assert_eq!(
            QuietHours::parse(" 22:00 – 07:00 ").unwrap(),
            QuietHours {
                start: clock(22, 0),
                end: clock(7, 0)
            }
        );
        assert_eq!(QuietHours::parse("22:00-07:00").unwrap().to_string(), "22:00-07:00");
        for (text, expected) in [
            ("25:00-07:00", "hour must be 00 to 23"),
            ("22:00", "start and an end"),
            ("", "nothing given"),
        ] {
            let (field, reason) = field_of(QuietHours::parse(text).unwrap_err());
            assert_eq!(field, "quiet_hours", "{text:?}");
            assert!(reason.contains(expected), "{text:?}: {reason}");
        }
    }

    #[test]
    fn local_datetime_and_date_parse() {
        let expected = (date(2026, 12, 1), clock(8, 0));
        assert_eq!(parse_local_datetime("2026-12-01 08:00").unwrap(), expected);
        assert_eq!(parse_local_datetime("2026-12-01T08:00").unwrap(), expected);
        assert_eq!(parse_local_datetime("2026-12-01T08:00:00").unwrap(), expected);
        assert_eq!(
            parse_local_datetime("2026-12-01T08:00:30").unwrap().1,
            NaiveTime::from_hms_opt(8, 0, 30).unwrap()
        );
        assert_eq!(parse_date("2027-03-01").unwrap(), date(2027, 3, 1));
        assert_eq!(parse_date("2028-02-29").unwrap(), date(2028, 2, 29));
        assert_eq!(parse_time("18:30").unwrap(), clock(18, 30));

        for (text, expected) in [
            ("2026-12-01 25:00", "hour must be 00 to 23"),
            ("2026-02-30 08:00", "February 2026 has 28 days"),
            ("2026-12-01", "a date and a time"),
            ("01/12/2026 08:00", "year-month-day"),
            ("2026-12-01 8", "hours and minutes"),
        ] {
            let (field, reason) = field_of(parse_local_datetime(text).unwrap_err());
            assert_eq!(field, "at", "{text:?}");
            assert!(reason.contains(expected), "{text:?}: {reason}");
        }
        for (text, expected) in [
            ("2026-02-30", "February 2026 has 28 days"),
            ("2100-02-29", "February 2100 has 28 days"),
            ("2027-13-01", "month must be 01 to 12"),
            ("2027-00-01", "month must be 01 to 12"),
            ("27-03-01", "year-month-day"),
            ("", "nothing given"),
        ] {
            let (field, reason) = field_of(parse_date(text).unwrap_err());
            assert_eq!(field, "until", "{text:?}");
            assert!(reason.contains(expected), "{text:?}: {reason}");
        }
        assert_eq!(
            field_of(parse_time("25:00").unwrap_err()).1,
            "the hour must be 00 to 23"
        );
    }

    #[test]
    fn errors_do_not_repeat_the_input() {
        let typed = "4242424242xyz";
        for error in [
            Every::parse(typed).unwrap_err(),
            Offset::parse(typed).unwrap_err(),
            QuietHours::parse(typed).unwrap_err(),
            parse_local_datetime(typed).unwrap_err(),
            parse_date(typed).unwrap_err(),
            parse_zone(typed).unwrap_err(),
        ] {
            assert!(!error.to_string().contains("4242"), "{error}");
        }
    }

    // --- Stored form ---

    #[test]
    fn values_round_trip_through_json_in_chrono_text_form() {
        let schedule = series(
            date(2027, 1, 31),
            clock(8, 0),
            "Africa/Maputo",
            13,
            Unit::Weeks,
            End::Until(date(2028, 1, 31)),
        );
        let json = serde_json::to_string(&schedule).unwrap();
        assert_eq!(
            json,
            r#"{"start":"2027-01-31","time":"08:00:00","zone":"Africa/Maputo","recurrence":{"every":{"count":13,"unit":"weeks"},"end":{"until":"2028-01-31"}}}"#
        );
        assert_eq!(serde_json::from_str::<LocalSchedule>(&json).unwrap(), schedule);

        let offsets = vec![
            Offset::AtTime,
            Offset::MinutesBefore(90),
            Offset::DaysBeforeAt {
                days: 1,
                time: clock(18, 0),
            },
        ];
        let json = serde_json::to_string(&offsets).unwrap();
        assert_eq!(
            json,
            r#"["at_time",{"minutes_before":90},{"days_before_at":{"days":1,"time":"18:00:00"}}]"#
        );
        assert_eq!(serde_json::from_str::<Vec<Offset>>(&json).unwrap(), offsets);

        let quiet = QuietHours {
            start: clock(22, 0),
            end: clock(7, 0),
        };
        assert_eq!(
            serde_json::from_str::<QuietHours>(&serde_json::to_string(&quiet).unwrap()).unwrap(),
            quiet
        );
        assert!(serde_json::from_str::<QuietHours>(r#"{"start":"25:00:00","end":"07:00:00"}"#).is_err());
        assert!(serde_json::from_str::<End>(r#"{"until":"2026-02-30"}"#).is_err());
    }

    // --- Properties ---

    const ZONES: [&str; 7] = [
        "Africa/Johannesburg",
        "Africa/Maputo",
        "Europe/Lisbon",
        "America/New_York",
        "Australia/Lord_Howe",
        "Pacific/Apia",
        "UTC",
    ];

    fn any_unit() -> impl Strategy<Value = Unit> {
        prop_oneof![Just(Unit::Days), Just(Unit::Weeks), Just(Unit::Months)]
    }

    fn any_start() -> impl Strategy<Value = NaiveDate> {
        (2000i32..2100, 1u32..=12, 1u32..=31)
            .prop_map(|(year, month, day)| date(year, month, day.min(days_in_month(year, month))))
    }

    fn any_schedule() -> impl Strategy<Value = LocalSchedule> {
        (
            any_start(),
            0u32..24,
            0u32..60,
            0usize..ZONES.len(),
            1u32..=24,
            any_unit(),
        )
            .prop_map(|(start, hour, minute, zone, count, unit)| {
                series(start, clock(hour, minute), ZONES[zone], count, unit, End::Never)
            })
    }

    proptest! {
        #[test]
        fn occurrence_dates_increase_and_months_keep_the_start_day(schedule in any_schedule(), far_index in any::<u32>()) {
            let _ = schedule.occurrence_date(far_index);
            let _ = schedule.occurrence_instant(far_index).unwrap();
            let every = schedule.recurrence.as_ref().unwrap().every.clone();
            let mut previous: Option<(NaiveDate, DateTime<Utc>)> = None;
            for index in 0..60 {
                let day = schedule.occurrence_date(index).unwrap();
                let instant = schedule.occurrence_instant(index).unwrap().unwrap();
                if let Some((previous_day, previous_instant)) = previous {
                    prop_assert!(day > previous_day, "{day} after {previous_day}");
                    prop_assert!(instant >= previous_instant, "{instant} after {previous_instant}");
                }
                if every.unit == Unit::Months {
                    let months = i64::from(schedule.start.month0()) + i64::from(index) * i64::from(every.count);
                    let year = schedule.start.year() + i32::try_from(months / 12).unwrap();
                    let month = u32::try_from(months % 12).unwrap() + 1;
                    prop_assert_eq!((day.year(), day.month()), (year, month));
                    prop_assert_eq!(day.day(), schedule.start.day().min(days_in_month(year, month)));
                }
                previous = Some((day, instant));
            }
        }

        #[test]
        fn occurrences_between_matches_counting_from_zero(
            schedule in any_schedule(),
            end_choice in 0u8..3,
            total in 1u32..=300,
            from_days in -400i64..12_000,
            span_days in 0i64..800,
            limit in 0usize..50,
        ) {
            let mut schedule = schedule;
            let start_instant = schedule.occurrence_instant(0).unwrap().unwrap();
            if let Some(recurrence) = schedule.recurrence.as_mut() {
                recurrence.end = match end_choice {
                    0 => End::Never,
                    1 => End::Count(total),
                    _ => End::Until(schedule.start + TimeDelta::days(i64::from(total) * 20)),
                };
            }
            let from = start_instant + TimeDelta::days(from_days) + TimeDelta::minutes(from_days % 1440);
            let to = from + TimeDelta::days(span_days);
            let found = schedule.occurrences_between(from, to, limit).unwrap();

            let mut expected = Vec::new();
            let mut index = 0u32;
            while expected.len() < limit {
                let Some(instant) = schedule.occurrence_instant(index).unwrap() else { break };
                if instant >= to {
                    break;
                }
                if instant >= from {
                    expected.push((index, instant));
                }
                index += 1;
            }
            prop_assert_eq!(found, expected);
        }
    }
}
