//! What cannot wait after a report: PEP (post-exposure prophylaxis against HIV, to be started
//! within 72 hours of the exposure), emergency contraception (within 120 hours), and the clinics
//! nearest to a site the person picks. No GPS: distances are computed from the coordinates the
//! safety document gives its sites.
//!
//! The shells show this before anything else after a report is filed, and word it themselves.

use std::cmp::Ordering;

use crate::content::metadata::{Safety, Site};

use super::model::ReportBody;

/// PEP must be started within this many hours of the exposure.
pub const PEP_WINDOW_HOURS: u32 = 72;
/// Emergency contraception works up to this many hours after (some methods; the sooner the better).
pub const EMERGENCY_CONTRACEPTION_WINDOW_HOURS: u32 = 120;

/// The mean radius of the Earth (IUGG), for great-circle distances.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// A clinic to suggest, with its distance from the site the person picked when both have
/// coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct NearbyClinic {
    pub site: Site,
    /// Great-circle distance in kilometres (not road distance).
    pub distance_km: Option<f64>,
    /// Whether the clinic is open at the time of the report, read from its opening hours in
    /// the programme's local time (UTC+2, no daylight saving, in all four countries); `None`
    /// when the hours are not written in the form `Mon–Sat 07:00–19:00[, Sun 09:00–13:00]`.
    pub open_now: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Urgency {
    /// Sexual violence, and part of the reported time lies within the last 72 hours.
    pub pep_urgent: bool,
    /// Sexual violence, and part of the reported time lies within the last 120 hours.
    pub emergency_contraception: bool,
    /// Whole hours left to start PEP (rounded down; 0 means less than an hour), counted from the
    /// latest time the report allows. `Some` exactly when `pep_urgent`.
    pub hours_left_for_pep: Option<u32>,
    /// The same for emergency contraception. `Some` exactly when `emergency_contraception`.
    pub hours_left_for_emergency_contraception: Option<u32>,
    /// PEP sites when PEP or emergency contraception applies, otherwise every site; nearest to
    /// the picked site first (see [`assess`]).
    pub clinics: Vec<NearbyClinic>,
    /// Offer a reminder to start (and keep taking) PEP: the same as `pep_urgent`.
    pub offer_pep_reminder: bool,
}

/// Assesses what cannot wait after a report, at `now` (unix seconds).
///
/// **Time.** The report's range is [`ReportBody::time_range`]. Its latest possible moment
/// (`to`, or `now` if `to` lies ahead of `now`) decides: PEP is urgent when that moment is less
/// than 72 hours before `now` (so a range of which any part lies within the last 72 hours
/// counts), emergency contraception when it is less than 120 hours before. The hours left are
/// counted from that latest moment too: they are the most the person may have, never fewer, so
/// nobody is told it is too late when it may not be; the shells say "up to" and "as soon as
/// possible". A quick report answered "earlier" (more than 3 days ago, how long unknown) and an
/// SOS never flag PEP; a report without sexual violence never does either. The body is not
/// validated here: call [`ReportBody::validate`] first.
///
/// **Clinics.** With PEP or emergency contraception, the sites that offer PEP; otherwise every
/// site. When `near_site` names a site of `safety` that has coordinates, they are sorted by
/// great-circle (haversine) distance from it, nearest first, the picked site itself at 0 km;
/// sites without coordinates follow, by name. When no site is picked (or it is unknown or has no
/// coordinates), all are listed by name. Clinics open now come first, then those whose hours
/// cannot be read, then those closed now (each group nearest first); the shells show
/// `opening_hours` too. Without a safety document, no clinics.
pub fn assess(body: &ReportBody, now: i64, near_site: Option<&str>, safety: Option<&Safety>) -> Urgency {
    let seconds_since = if body.is_sexual() {
        body.time_range(now).map(|(_, to)| {
            let latest = i128::from(to.min(now));
            // Seconds since the latest possible moment, >= 0; i128 so no input overflows.
            i128::from(now) - latest
        })
    } else {
        None
    };
    let hours_left = |window_hours: u32| -> Option<u32> {
        let elapsed = seconds_since?;
        let window = i128::from(window_hours) * 3600;
        (elapsed < window).then(|| ((window - elapsed) / 3600) as u32)
    };
    let hours_left_for_pep = hours_left(PEP_WINDOW_HOURS);
    let hours_left_for_emergency_contraception = hours_left(EMERGENCY_CONTRACEPTION_WINDOW_HOURS);
    let pep_urgent = hours_left_for_pep.is_some();
    let emergency_contraception = hours_left_for_emergency_contraception.is_some();
    let clinics = safety
        .map(|safety| nearby_clinics(safety, near_site, pep_urgent || emergency_contraception, now))
        .unwrap_or_default();
    Urgency {
        pep_urgent,
        emergency_contraception,
        hours_left_for_pep,
        hours_left_for_emergency_contraception,
        clinics,
        offer_pep_reminder: pep_urgent,
    }
}

/// The sites (only those offering PEP when `pep_only`), nearest to `near_site` first.
fn nearby_clinics(safety: &Safety, near_site: Option<&str>, pep_only: bool, now: i64) -> Vec<NearbyClinic> {
    let origin = near_site
        .and_then(|id| safety.sites.iter().find(|site| site.id == id))
        .and_then(coordinates);
    let mut clinics: Vec<NearbyClinic> = safety
        .sites
        .iter()
        .filter(|site| !pep_only || site.offers_pep)
        .map(|site| NearbyClinic {
            distance_km: origin.zip(coordinates(site)).map(|(from, to)| haversine_km(from, to)),
            open_now: open_at(&site.opening_hours, now),
            site: site.clone(),
        })
        .collect();
    clinics.sort_by(|a, b| {
        let rank = |open: Option<bool>| match open {
            Some(true) => 0,
            None => 1,
            Some(false) => 2,
        };
        let by_open = rank(a.open_now).cmp(&rank(b.open_now));
        let by_distance = match (a.distance_km, b.distance_km) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        by_open
            .then(by_distance)
            .then_with(|| a.site.name.cmp(&b.site.name))
            .then_with(|| a.site.id.cmp(&b.site.id))
    });
    clinics
}

/// Whether hours such as `Mon–Fri 07:00–19:00, Sat 08:00–14:00` include the moment `now`;
/// `None` when they are written any other way.
pub fn open_at(hours: &str, now: i64) -> Option<bool> {
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let local = now.checked_add(crate::PROGRAMME_UTC_OFFSET_SECS)?;
    // 1970-01-01 was a Thursday (index 3).
    let weekday = ((local.div_euclid(86_400) + 3).rem_euclid(7)) as usize;
    let minute = (local.rem_euclid(86_400) / 60) as u32;
    let day_of = |text: &str| DAYS.iter().position(|day| text.trim().eq_ignore_ascii_case(day));
    let minutes_of = |text: &str| -> Option<u32> {
        let (hour, minute) = text.trim().split_once(':')?;
        let (hour, minute): (u32, u32) = (hour.parse().ok()?, minute.parse().ok()?);
        (hour <= 24 && minute < 60).then_some(hour * 60 + minute)
    };
    let split_range = |text: &str| -> Option<(String, String)> {
        let text = text.replace('–', "-");
        let (from, to) = text.split_once('-')?;
        Some((from.trim().to_string(), to.trim().to_string()))
    };
    let mut open = false;
    for segment in hours.split(',') {
        let segment = segment.trim();
        let (days, times) = segment.split_once(' ')?;
        let (first, last) = match split_range(days) {
            Some((first, last)) => (day_of(&first)?, day_of(&last)?),
            None => {
                let day = day_of(days)?;
                (day, day)
            }
        };
        let (start, end) = split_range(times)?;
        let (start, end) = (minutes_of(&start)?, minutes_of(&end)?);
        let today = if first <= last {
            (first..=last).contains(&weekday)
        } else {
            weekday >= first || weekday <= last
        };
        if today && start <= minute && minute < end {
            open = true;
        }
    }
    Some(open)
}

/// A site's (latitude, longitude) in degrees, when it has both and they make sense.
fn coordinates(site: &Site) -> Option<(f64, f64)> {
    let (latitude, longitude) = site.latitude.zip(site.longitude)?;
    let sane = latitude.is_finite()
        && longitude.is_finite()
        && (-90.0..=90.0).contains(&latitude)
        && (-180.0..=180.0).contains(&longitude);
    sane.then_some((latitude, longitude))
}

/// The great-circle distance in kilometres between two (latitude, longitude) points in degrees.
pub fn haversine_km(from: (f64, f64), to: (f64, f64)) -> f64 {
    let (lat1, lon1) = (from.0.to_radians(), from.1.to_radians());
    let (lat2, lon2) = (to.0.to_radians(), to.1.to_radians());
    let half_chord =
        ((lat2 - lat1) / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * half_chord.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod opening_hours_tests {
    use super::open_at;
    use chrono::{NaiveDate, TimeZone, Utc};

    /// Unix time of a local (UTC+2) moment.
    fn local(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> i64 {
        let moment = NaiveDate::from_ymd_opt(year, month, day)
            .unwrap()
            .and_hms_opt(hour, minute, 0)
            .unwrap();
        Utc.from_utc_datetime(&moment).timestamp() - 2 * 3600
    }

    #[test]
    fn opening_hours_are_read_in_local_time() {
        // 2026-11-30 is a Monday, 2026-12-05 a Saturday, 2026-12-06 a Sunday.
        let weekdays = "Mon–Sat 07:00–19:00";
        assert_eq!(open_at(weekdays, local(2026, 11, 30, 10, 0)), Some(true));
        assert_eq!(open_at(weekdays, local(2026, 11, 30, 6, 59)), Some(false));
        assert_eq!(open_at(weekdays, local(2026, 11, 30, 19, 0)), Some(false));
        assert_eq!(
            open_at(weekdays, local(2026, 12, 6, 10, 0)),
            Some(false),
            "closed on Sunday"
        );
        let split = "Mon-Fri 07:00-19:00, Sat 08:00-14:00";
        assert_eq!(open_at(split, local(2026, 12, 5, 13, 0)), Some(true));
        assert_eq!(open_at(split, local(2026, 12, 5, 15, 0)), Some(false));
        assert_eq!(
            open_at("Fri–Mon 20:00–23:00", local(2026, 11, 30, 21, 0)),
            Some(true),
            "wraps the week"
        );
        assert_eq!(open_at("by appointment", local(2026, 11, 30, 10, 0)), None);
        assert_eq!(open_at("Mon–Sat 7 to 19", local(2026, 11, 30, 10, 0)), None);
    }
}
