//! The clinic hand-over: a QR payload for "next appointment: kind, date and time, site" that a
//! clinic system prints or shows, and the app imports as a reminder.
//!
//! Digits and dashes only, no words and no address: a slip found in a pocket reveals nothing.
//!
//! ```text
//! 1-KK-YYYYMMDDHHMM-SSSS-CC
//! │ │  │            │    └ check: ISO 7064 mod 97-10 over all the digits before it
//! │ │  │            └ site number from the programme's site list (0000: none)
//! │ │  └ local date and time of the appointment (the phone's zone)
//! │ └ kind code (01 PrEP refill … 09 daily pill, 99 other)
//! └ format version
//! ```

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::error::{Error, Result};
use crate::reminders::Kind;

/// Anything longer is refused before it is read.
pub const MAX_PAYLOAD_LEN: usize = 64;

/// A next appointment handed over by a clinic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    pub kind: Kind,
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub site: Option<u32>,
}

fn kind_code(kind: Kind) -> u8 {
    match kind {
        Kind::PrepRefill => 1,
        Kind::HivTest => 2,
        Kind::StiScreening => 3,
        Kind::ContraceptiveInjection => 4,
        Kind::ArtRefill => 5,
        Kind::PepCourse => 6,
        Kind::ClinicVisit => 7,
        Kind::Counselling => 8,
        Kind::DailyPill => 9,
        Kind::Custom => 99,
    }
}

fn kind_of_code(code: u8) -> Option<Kind> {
    Kind::ALL.into_iter().find(|kind| kind_code(*kind) == code)
}

/// ISO 7064 mod 97-10 check digits for a string of digits.
fn check_digits(digits: &str) -> u8 {
    let remainder = digits
        .bytes()
        .fold(0u32, |remainder, digit| (remainder * 10 + (digit - b'0') as u32) % 97);
    (98 - (remainder * 100) % 97) as u8
}

impl Handover {
    /// The payload (the documented generator; `corridor remind handover` prints it).
    pub fn encode(&self) -> Result<String> {
        let site = self.site.unwrap_or(0);
        if site > 9999 {
            return Err(Error::invalid("site", "a site number has at most 4 digits"));
        }
        let body = format!(
            "1-{:02}-{}-{:04}",
            kind_code(self.kind),
            NaiveDateTime::new(self.date, self.time).format("%Y%m%d%H%M"),
            site
        );
        let digits: String = body.chars().filter(char::is_ascii_digit).collect();
        Ok(format!("{body}-{:02}", check_digits(&digits)))
    }

    /// Reads a scanned payload; every malformation is refused with its reason.
    pub fn decode(payload: &str) -> Result<Handover> {
        let refuse = |reason: &str| Err(Error::invalid("payload", reason.to_string()));
        if payload.len() > MAX_PAYLOAD_LEN {
            return refuse("this is not a clinic appointment code (too long)");
        }
        let text = payload.trim();
        if !text.chars().all(|c| c.is_ascii_digit() || c == '-') {
            return refuse("this is not a clinic appointment code (only digits and dashes are used)");
        }
        let parts: Vec<&str> = text.split('-').collect();
        let [version, kind, when, site, check] = parts.as_slice() else {
            return refuse("this is not a clinic appointment code (it has the wrong number of parts)");
        };
        if *version != "1" {
            return refuse("this appointment code is from a newer version: update the app");
        }
        if kind.len() != 2 || when.len() != 12 || site.len() != 4 || check.len() != 2 {
            return refuse("this is not a clinic appointment code (a part has the wrong length)");
        }
        let digits: String = text[..text.len() - 3].chars().filter(char::is_ascii_digit).collect();
        if check.parse::<u8>().ok() != Some(check_digits(&digits)) {
            return refuse("the appointment code does not check out: it was misread or altered");
        }
        let kind = kind.parse::<u8>().ok().and_then(kind_of_code);
        let Some(kind) = kind else {
            return refuse("the appointment code names an unknown kind");
        };
        let Ok(moment) = NaiveDateTime::parse_from_str(when, "%Y%m%d%H%M") else {
            return refuse("the appointment code holds an impossible date or time");
        };
        let site = site.parse::<u32>().map_err(|_| Error::invalid("payload", "bad site"))?;
        Ok(Handover {
            kind,
            date: moment.date(),
            time: moment.time(),
            site: (site != 0).then_some(site),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn example() -> Handover {
        Handover {
            kind: Kind::ContraceptiveInjection,
            date: NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(),
            time: NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
            site: Some(42),
        }
    }

    #[test]
    fn a_payload_round_trips_and_is_digits_and_dashes_only() {
        let payload = example().encode().unwrap();
        assert_eq!(&payload[..23], "1-04-202703010930-0042-");
        assert!(payload.chars().all(|c| c.is_ascii_digit() || c == '-'));
        assert_eq!(Handover::decode(&payload).unwrap(), example());
        assert_eq!(Handover::decode(&format!("  {payload}\n")).unwrap(), example());
    }

    #[test]
    fn malformed_payloads_are_refused_with_a_reason() {
        let good = example().encode().unwrap();
        let mut altered = good.clone().into_bytes();
        altered[10] = if altered[10] == b'9' { b'8' } else { b'9' };
        let cases = [
            ("https://example.org/x", "only digits"),
            ("1-04-202703010930-0042", "number of parts"),
            ("2-04-202703010930-0042-00", "newer version"),
            ("1-4-202703010930-0042-00", "wrong length"),
            (std::str::from_utf8(&altered).unwrap(), "does not check out"),
        ];
        for (payload, reason) in cases {
            match Handover::decode(payload) {
                Err(Error::InvalidInput {
                    field: "payload",
                    reason: text,
                }) => assert!(text.contains(reason), "{payload}: {text}"),
                other => panic!("{payload}: {other:?}"),
            }
        }
        assert!(Handover::decode(&"1".repeat(65)).is_err());
        let impossible = Handover {
            date: NaiveDate::from_ymd_opt(2027, 2, 28).unwrap(),
            ..example()
        }
        .encode()
        .unwrap()
        .replace("20270228", "20270230");
        assert!(Handover::decode(&impossible).is_err());
    }

    proptest! {
        #[test]
        fn decoding_anything_never_panics(text in "[0-9-]{0,40}|\\PC{0,40}") {
            let _ = Handover::decode(&text);
        }
    }
}
