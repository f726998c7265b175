//! What a violence report says: a quick report (three choices), a full report, or an SOS ("I need
//! help now"), and the payload that is sealed to a Crisis Response Team.
//!
//! The JSON is snake_case and strict (unknown fields are refused). Nothing here implements a
//! `Debug` that prints what the person wrote, what happened or how to reach them: the types that
//! hold any of it print only their shape, so a stray log line reveals nothing.
//!
//! [`ReportBody::validate`] checks everything the person (or the shell) can correct and names the
//! field; [`ReportBody::from_json`] parses without echoing any value into its error.

use std::collections::HashSet;
use std::hash::Hash;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::sync::wire::{is_valid_site, Uuid};

/// The version of [`SealedPayload`] this code writes and reads.
pub const PAYLOAD_VERSION: u8 = 1;

/// How far ahead of `now` a reported time may lie (clocks drift, and a time picked "now" in a
/// form is rounded to the minute): 15 minutes.
pub const FUTURE_TOLERANCE_SECS: i64 = 15 * 60;

/// Limits, in characters (Unicode scalar values), not bytes.
pub const MAX_PLACE_DESCRIPTION_CHARS: usize = 200;
pub const MAX_INJURIES_CHARS: usize = 1000;
pub const MAX_TEXT_CHARS: usize = 8000;
pub const MAX_SAFE_TIME_CHARS: usize = 100;
/// A contact number: digits, spaces, `+` and `-`, at most this many characters.
pub const MAX_NUMBER_CHARS: usize = 20;
/// A contact number has at least this many digits.
pub const MIN_NUMBER_DIGITS: usize = 3;

const HOUR: i64 = 3600;

/// What happened. Several may apply in a full report; a quick report names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolenceKind {
    Physical,
    Sexual,
    EmotionalOrVerbal,
    RobberyOrEconomic,
    ArrestOrPoliceHarassment,
    /// Refused a service (at a clinic, a shop, by the police …).
    RefusedService,
    Other,
}

impl ViolenceKind {
    pub const ALL: [ViolenceKind; 7] = [
        ViolenceKind::Physical,
        ViolenceKind::Sexual,
        ViolenceKind::EmotionalOrVerbal,
        ViolenceKind::RobberyOrEconomic,
        ViolenceKind::ArrestOrPoliceHarassment,
        ViolenceKind::RefusedService,
        ViolenceKind::Other,
    ];
}

/// Who did it. Several may apply; none is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Perpetrator {
    Client,
    Police,
    IntimatePartner,
    FamilyOrCommunity,
    OtherSexWorker,
    Manager,
    Unknown,
}

impl Perpetrator {
    pub const ALL: [Perpetrator; 7] = [
        Perpetrator::Client,
        Perpetrator::Police,
        Perpetrator::IntimatePartner,
        Perpetrator::FamilyOrCommunity,
        Perpetrator::OtherSexWorker,
        Perpetrator::Manager,
        Perpetrator::Unknown,
    ];
}

/// The help the person would like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HelpWanted {
    MedicalCare,
    /// PEP (post-exposure prophylaxis against HIV) and emergency contraception.
    PepAndEmergencyContraception,
    LegalHelp,
    Counselling,
    SafePlace,
    NothingNow,
}

impl HelpWanted {
    pub const ALL: [HelpWanted; 6] = [
        HelpWanted::MedicalCare,
        HelpWanted::PepAndEmergencyContraception,
        HelpWanted::LegalHelp,
        HelpWanted::Counselling,
        HelpWanted::SafePlace,
        HelpWanted::NothingNow,
    ];
}

/// What the person allows the team to do with the report. Nothing beyond what is chosen here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Consent {
    /// Record it, to be counted in statistics only.
    StatisticsOnly,
    /// Ask the team to contact me (needs a safe way to do it: [`FullReport::contact`]).
    ContactMe,
    /// Warn other sex workers, without anything that identifies me.
    WarnOthersAnonymously,
    /// Help me go to the police.
    HelpGoingToPolice,
}

impl Consent {
    pub const ALL: [Consent; 4] = [
        Consent::StatisticsOnly,
        Consent::ContactMe,
        Consent::WarnOthersAnonymously,
        Consent::HelpGoingToPolice,
    ];
}

/// How the team may reach the person safely.
///
/// JSON: `{"type": "through_peer_educator"}` or
/// `{"type": "safe_time_and_number", "when": "weekdays after 10:00", "number": "+263 77 123 4567"}`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "SafeContactJson", into = "SafeContactJson")]
pub enum SafeContact {
    /// Through my peer educator.
    ThroughPeerEducator,
    /// At a time when it is safe, on this number.
    SafeTimeAndNumber {
        /// When it is safe to call or text, in the person's words (at most 100 characters).
        when: String,
        /// Digits, spaces, `+` and `-` (at most 20 characters, at least 3 digits).
        number: String,
    },
}

/// The JSON form of [`SafeContact`]. A unit variant of an internally tagged enum would accept any
/// other fields beside its tag, so the peer-educator choice is an empty struct here, which refuses
/// them.
#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum SafeContactJson {
    ThroughPeerEducator {},
    SafeTimeAndNumber { when: String, number: String },
}

impl From<SafeContactJson> for SafeContact {
    fn from(json: SafeContactJson) -> Self {
        match json {
            SafeContactJson::ThroughPeerEducator {} => SafeContact::ThroughPeerEducator,
            SafeContactJson::SafeTimeAndNumber { when, number } => SafeContact::SafeTimeAndNumber { when, number },
        }
    }
}

impl From<SafeContact> for SafeContactJson {
    fn from(contact: SafeContact) -> Self {
        match contact {
            SafeContact::ThroughPeerEducator => SafeContactJson::ThroughPeerEducator {},
            SafeContact::SafeTimeAndNumber { when, number } => SafeContactJson::SafeTimeAndNumber { when, number },
        }
    }
}

impl std::fmt::Debug for SafeContact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SafeContact::ThroughPeerEducator => f.write_str("ThroughPeerEducator"),
            SafeContact::SafeTimeAndNumber { .. } => f.write_str("SafeTimeAndNumber { .. }"),
        }
    }
}

/// When it happened, in unix seconds: an exact time, or a range when the person is not sure.
///
/// JSON: `{"type": "exact", "at": 1796025600}` or `{"type": "between", "from": …, "to": …}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum WhenItHappened {
    Exact {
        at: i64,
    },
    /// Some time between `from` and `to` (both included; `from <= to`).
    Between {
        from: i64,
        to: i64,
    },
}

/// Where it happened (optional, and separate from the team the report is sealed to): a site from
/// the catalog, a few words, or both.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Place {
    /// A site id from the safety document (`beitbridge`).
    #[serde(default)]
    pub site: Option<String>,
    /// In the person's words (at most 200 characters).
    #[serde(default)]
    pub description: Option<String>,
}

impl std::fmt::Debug for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Place { .. }")
    }
}

/// A full report: every field the person may fill in.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FullReport {
    /// What happened: at least one, each at most once.
    pub kinds: Vec<ViolenceKind>,
    pub when: WhenItHappened,
    #[serde(default)]
    pub place: Option<Place>,
    /// Who did it: may be empty; each at most once.
    #[serde(default)]
    pub who: Vec<Perpetrator>,
    /// Injuries, in the person's words (at most 1000 characters).
    #[serde(default)]
    pub injuries: Option<String>,
    /// The help wanted: may be empty; each at most once.
    #[serde(default)]
    pub help: Vec<HelpWanted>,
    /// What the team may do with the report: at least one, each at most once.
    pub consent: Vec<Consent>,
    /// How to be contacted safely; required when `consent` includes [`Consent::ContactMe`].
    #[serde(default)]
    pub contact: Option<SafeContact>,
    /// Anything else, in the person's words (at most 8000 characters).
    #[serde(default)]
    pub text: Option<String>,
}

impl std::fmt::Debug for FullReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FullReport { .. }")
    }
}

/// A quick report: exactly three choices and nothing else.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuickReport {
    pub what: ViolenceKind,
    pub when: QuickWhen,
    pub wants: QuickWant,
}

impl std::fmt::Debug for QuickReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("QuickReport { .. }")
    }
}

/// When it happened, as a quick report asks it. See [`ReportBody::time_range`] for the hours each
/// answer covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuickWhen {
    Today,
    LastThreeDays,
    Earlier,
}

/// What the person wants now, as a quick report asks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuickWant {
    ContactMe,
    UrgentMedicalHelp,
    JustRecordIt,
}

/// "I need help now": nothing but the safe way to reach the person (if they gave one).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sos {
    #[serde(default)]
    pub contact: Option<SafeContact>,
}

impl std::fmt::Debug for Sos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sos { .. }")
    }
}

/// A report of any kind. JSON: the variant's fields with `"type": "quick" | "full" | "sos"`.
// One body exists per report being written or sealed; boxing the full report would only make
// every caller's construction and matching clumsier.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReportBody {
    Quick(QuickReport),
    Full(FullReport),
    Sos(Sos),
}

impl std::fmt::Debug for ReportBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReportBody { .. }")
    }
}

/// What gets sealed to the team (as JSON): the only place the report's content exists outside the
/// person's own draft.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedPayload {
    /// [`PAYLOAD_VERSION`].
    pub version: u8,
    /// Also the idempotency key of the submission.
    pub report_id: Uuid,
    /// When the person submitted it (unix seconds, the phone's clock).
    pub created_at: i64,
    /// The [`crate::content::metadata::TeamKey::key_id`] it is sealed to.
    pub team_key_id: String,
    pub body: ReportBody,
}

impl std::fmt::Debug for SealedPayload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedPayload")
            .field("version", &self.version)
            .field("report_id", &self.report_id)
            .field("team_key_id", &self.team_key_id)
            .finish_non_exhaustive()
    }
}

impl SealedPayload {
    /// A payload of the current version.
    pub fn new(report_id: Uuid, created_at: i64, team_key_id: impl Into<String>, body: ReportBody) -> Self {
        SealedPayload {
            version: PAYLOAD_VERSION,
            report_id,
            created_at,
            team_key_id: team_key_id.into(),
            body,
        }
    }

    /// The JSON that is sealed.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a report payload always serialises")
    }

    /// Parses an opened payload; refuses another version. The error never quotes the payload.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let payload: SealedPayload = parse_json(bytes, "payload")?;
        if payload.version != PAYLOAD_VERSION {
            return Err(Error::invalid(
                "payload.version",
                format!(
                    "version {} is not one this app reads (it reads version {PAYLOAD_VERSION})",
                    payload.version
                ),
            ));
        }
        Ok(payload)
    }
}

/// Parses JSON without letting serde's message quote a value from it (serde's "invalid value"
/// messages may contain the person's words): only missing fields, unknown field names and the
/// position are told.
fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8], field: &'static str) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|error| {
        let message = error.to_string();
        let known = ["missing field `", "unknown field `"]
            .iter()
            .find_map(|prefix| message.strip_prefix(prefix).map(|rest| (*prefix, rest)))
            .and_then(|(prefix, rest)| rest.split_once('`').map(|(name, _)| (prefix, name)))
            .filter(|(_, name)| name.len() <= 40 && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        let what = match known {
            Some(("missing field `", name)) => format!("the field `{name}` is missing"),
            Some((_, name)) => format!("`{name}` is not a field this app knows"),
            None => match error.classify() {
                serde_json::error::Category::Io | serde_json::error::Category::Eof => "it is cut short".to_string(),
                serde_json::error::Category::Syntax => "it is not well-formed JSON".to_string(),
                serde_json::error::Category::Data => "a value is not one this app accepts".to_string(),
            },
        };
        Error::invalid(
            field,
            format!(
                "could not be read: {what} (line {}, column {})",
                error.line(),
                error.column()
            ),
        )
    })
}

impl ReportBody {
    /// Parses a report (a draft, a `--json-file`, a shell's form) without quoting any of it in the
    /// error. Call [`ReportBody::validate`] next.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        parse_json(bytes, "report")
    }

    /// A report from JSON that may also be a bare full report (the fields of [`FullReport`]
    /// without the `"type"` tag, as a form builds it). Errors never quote what was written.
    pub fn from_form_json(bytes: &[u8]) -> Result<Self> {
        let value: serde_json::Value = parse_json(bytes, "report")?;
        if value.get("type").is_some() {
            return Self::from_json(bytes);
        }
        let full: FullReport = parse_json(bytes, "report")?;
        Ok(ReportBody::Full(full))
    }

    /// Checks everything that can be corrected, and names the field: `kinds`, `when`, `place`,
    /// `place.site`, `place.description`, `who`, `injuries`, `help`, `consent`, `contact`,
    /// `contact.when`, `contact.number`, `text`.
    ///
    /// `known_sites` are the site ids of the installed safety document; a place's site must be
    /// one of them. A quick report is always valid (its three choices are checked by parsing).
    pub fn validate(&self, now: i64, known_sites: &[String]) -> Result<()> {
        match self {
            ReportBody::Quick(_) => Ok(()),
            ReportBody::Sos(sos) => match &sos.contact {
                Some(contact) => validate_contact(contact),
                None => Ok(()),
            },
            ReportBody::Full(full) => full.validate(now, known_sites),
        }
    }

    /// The earliest and latest time (unix seconds, both included) the report says it happened, or
    /// `None` when it does not say.
    ///
    /// - Quick `today`: `(now - 24 h, now)`. The last 24 hours always contain the whole of today,
    ///   in any time zone, so nothing that happened today falls outside it.
    /// - Quick `last_three_days`: `(now - 72 h, now)`.
    /// - Quick `earlier`: `(0, now - 72 h)`: some time before the last three days, how long before
    ///   unknown; its latest possible moment still counts for emergency contraception (120 h).
    /// - Full `exact`: `(at, at)`; full `between`: `(from, to)`, as given.
    /// - SOS: `(now, now)`: it is happening now.
    pub fn time_range(&self, now: i64) -> Option<(i64, i64)> {
        match self {
            ReportBody::Quick(quick) => match quick.when {
                QuickWhen::Today => Some((now.saturating_sub(24 * HOUR), now)),
                QuickWhen::LastThreeDays => Some((now.saturating_sub(72 * HOUR), now)),
                QuickWhen::Earlier => Some((0, now.saturating_sub(72 * HOUR))),
            },
            ReportBody::Full(full) => Some(match full.when {
                WhenItHappened::Exact { at } => (at, at),
                WhenItHappened::Between { from, to } => (from, to),
            }),
            ReportBody::Sos(_) => Some((now, now)),
        }
    }

    /// Whether the report includes sexual violence (an SOS says nothing about what happened).
    pub fn is_sexual(&self) -> bool {
        match self {
            ReportBody::Quick(quick) => quick.what == ViolenceKind::Sexual,
            ReportBody::Full(full) => full.kinds.contains(&ViolenceKind::Sexual),
            ReportBody::Sos(_) => false,
        }
    }
}

impl FullReport {
    fn validate(&self, now: i64, known_sites: &[String]) -> Result<()> {
        if self.kinds.is_empty() {
            return Err(Error::invalid("kinds", "choose at least one thing that happened"));
        }
        no_repeats("kinds", &self.kinds)?;
        validate_when(&self.when, now)?;
        if let Some(place) = &self.place {
            validate_place(place, known_sites)?;
        }
        no_repeats("who", &self.who)?;
        max_chars("injuries", self.injuries.as_deref(), MAX_INJURIES_CHARS)?;
        no_repeats("help", &self.help)?;
        if self.consent.is_empty() {
            return Err(Error::invalid(
                "consent",
                "choose at least one thing the team may do with this report (recording it for statistics only is one)",
            ));
        }
        no_repeats("consent", &self.consent)?;
        match &self.contact {
            Some(contact) => validate_contact(contact)?,
            None if self.consent.contains(&Consent::ContactMe) => {
                return Err(Error::invalid(
                    "contact",
                    "to be contacted, say how the team can reach you safely (through your peer educator, or a safe \
                     time and number)",
                ));
            }
            None => {}
        }
        max_chars("text", self.text.as_deref(), MAX_TEXT_CHARS)?;
        Ok(())
    }
}

fn validate_when(when: &WhenItHappened, now: i64) -> Result<()> {
    let latest_allowed = now.saturating_add(FUTURE_TOLERANCE_SECS);
    match *when {
        WhenItHappened::Exact { at } if at > latest_allowed => Err(Error::invalid(
            "when",
            "the time is in the future; check the date and time",
        )),
        WhenItHappened::Between { from, to } if from > to => {
            Err(Error::invalid("when", "the start of the time range is after its end"))
        }
        WhenItHappened::Between { to, .. } if to > latest_allowed => Err(Error::invalid(
            "when",
            "the end of the time range is in the future; check the dates and times",
        )),
        _ => Ok(()),
    }
}

fn validate_place(place: &Place, known_sites: &[String]) -> Result<()> {
    if place.site.is_none() && place.description.is_none() {
        return Err(Error::invalid(
            "place",
            "choose a site or describe the place in a few words, or leave the place out",
        ));
    }
    if let Some(site) = &place.site {
        if !is_valid_site(site) || !known_sites.iter().any(|known| known == site) {
            return Err(Error::invalid("place.site", "is not one of the sites in the list"));
        }
    }
    max_chars(
        "place.description",
        place.description.as_deref(),
        MAX_PLACE_DESCRIPTION_CHARS,
    )
}

fn validate_contact(contact: &SafeContact) -> Result<()> {
    let SafeContact::SafeTimeAndNumber { when, number } = contact else {
        return Ok(());
    };
    if when.trim().is_empty() {
        return Err(Error::invalid(
            "contact.when",
            "say when it is safe to call or text you",
        ));
    }
    max_chars("contact.when", Some(when), MAX_SAFE_TIME_CHARS)?;
    if number.chars().count() > MAX_NUMBER_CHARS {
        return Err(Error::invalid(
            "contact.number",
            format!("is longer than {MAX_NUMBER_CHARS} characters"),
        ));
    }
    if !number
        .chars()
        .all(|c| c.is_ascii_digit() || c == ' ' || c == '+' || c == '-')
    {
        return Err(Error::invalid(
            "contact.number",
            "may contain only digits, spaces, + and -",
        ));
    }
    if number.chars().filter(char::is_ascii_digit).count() < MIN_NUMBER_DIGITS {
        return Err(Error::invalid("contact.number", "is too short to be a phone number"));
    }
    Ok(())
}

fn max_chars(field: &'static str, value: Option<&str>, max: usize) -> Result<()> {
    match value {
        Some(value) if value.chars().count() > max => {
            Err(Error::invalid(field, format!("is longer than {max} characters")))
        }
        _ => Ok(()),
    }
}

fn no_repeats<T: Eq + Hash>(field: &'static str, values: &[T]) -> Result<()> {
    let mut seen = HashSet::with_capacity(values.len());
    if values.iter().all(|value| seen.insert(value)) {
        Ok(())
    } else {
        Err(Error::invalid(field, "lists the same choice more than once"))
    }
}
