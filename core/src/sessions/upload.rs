//! What a tablet sends the hub for one closed session (or one correction of a closed session):
//! [`SessionUpload`], its vocabularies, and the checks both sides run on it. The tablet seals it
//! to the hub's intake key; only the hub opens it, turns every attendee code into a keyed hash
//! and stores the rest as aggregates (`docs/sessions.md`).
//!
//! A correction is a delta on the session it corrects: attendees added (`attendees`) or removed
//! (`removed_attendees`), walk-in and commodity counts changed by signed amounts, referrals and
//! quiz results added. The session it corrects is never changed.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::codes::ClientCode;
use crate::content::model::is_valid_module_id;
use crate::error::{Error, Result};
use crate::sync::wire::{is_valid_site, Uuid, MAX_SESSION_BODY_LEN};

/// The upload format this code writes and reads.
pub const UPLOAD_VERSION: u32 = 1;
/// The most attendees (with a code) one session or correction holds.
pub const MAX_ATTENDEES: usize = 1000;
/// The largest count (walk-ins, commodities, quiz) one line may carry.
pub const MAX_COUNT: i64 = 100_000;
/// The most modules, referrals or quiz lines in one session.
pub const MAX_LINES: usize = 200;
/// Notes are at most this many characters.
pub const MAX_NOTES_CHARS: usize = 4000;

/// What kind of contact the session was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SessionKind {
    /// A group session at a hot spot, truck stop or clinic.
    Group,
    /// One peer educator with one person.
    OneToOne,
    /// Outreach at a hot spot (short contacts, commodities handed out).
    Outreach,
}

/// Gender as the person gives it (reach is reported by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Gender {
    Female,
    Male,
    Transgender,
    Other,
}

/// Age bands (years), as donor reports use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AgeBand {
    #[serde(rename = "under-18")]
    Under18,
    #[serde(rename = "18-24")]
    From18To24,
    #[serde(rename = "25-29")]
    From25To29,
    #[serde(rename = "30-34")]
    From30To34,
    #[serde(rename = "35-39")]
    From35To39,
    #[serde(rename = "40-49")]
    From40To49,
    #[serde(rename = "50+")]
    From50,
}

/// What an educator hands out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Commodity {
    MaleCondoms,
    FemaleCondoms,
    Lubricant,
    HivSelfTestKits,
}

/// The service a person is referred to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Service {
    HivTesting,
    Prep,
    Pep,
    Art,
    Sti,
    Contraception,
    Tb,
    ViolenceSupport,
    MentalHealth,
    Other,
}

macro_rules! words {
    ($type:ty { $($variant:ident => $word:literal),* $(,)? }) => {
        impl $type {
            /// Every value, in the order lists and reports show them.
            pub const ALL: &'static [$type] = &[$(<$type>::$variant),*];

            /// The word used on the wire, in the CLI and in CSV files.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(<$type>::$variant => $word),*
                }
            }

            /// Reads the word (case and surrounding spaces ignored).
            pub fn parse(text: &str) -> Option<$type> {
                let text = text.trim().to_ascii_lowercase();
                Self::ALL.iter().copied().find(|value| value.as_str() == text)
            }

            /// The words, for an error message.
            pub fn choices() -> String {
                Self::ALL.iter().map(|value| value.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl fmt::Display for $type {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(self.as_str())
            }
        }
    };
}

words!(SessionKind { Group => "group", OneToOne => "one-to-one", Outreach => "outreach" });
words!(Gender { Female => "female", Male => "male", Transgender => "transgender", Other => "other" });
words!(AgeBand {
    Under18 => "under-18",
    From18To24 => "18-24",
    From25To29 => "25-29",
    From30To34 => "30-34",
    From35To39 => "35-39",
    From40To49 => "40-49",
    From50 => "50+",
});
words!(Commodity {
    MaleCondoms => "male-condoms",
    FemaleCondoms => "female-condoms",
    Lubricant => "lubricant",
    HivSelfTestKits => "hiv-self-test-kits",
});
words!(Service {
    HivTesting => "hiv-testing",
    Prep => "prep",
    Pep => "pep",
    Art => "art",
    Sti => "sti",
    Contraception => "contraception",
    Tb => "tb",
    ViolenceSupport => "violence-support",
    MentalHealth => "mental-health",
    Other => "other",
});

/// One person who attended, by client code. Its `Debug` never shows the code.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attendee {
    /// The client code in its canonical form (as [`ClientCode::as_str`] gives it).
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_band: Option<AgeBand>,
}

impl fmt::Debug for Attendee {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Attendee")
            .field("code", &"<client code>")
            .field("gender", &self.gender)
            .field("age_band", &self.age_band)
            .finish()
    }
}

/// People without a code, counted by gender and age band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalkIns {
    pub gender: Gender,
    pub age_band: AgeBand,
    /// Positive; negative only in a correction.
    pub count: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommodityCount {
    pub commodity: Commodity,
    /// Positive; negative only in a correction.
    pub count: i64,
}

/// A referral: the service and the clinic (a site of the programme's catalog).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Referral {
    pub service: Service,
    pub clinic: String,
}

/// Quiz results of the group, as counts only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuizResult {
    pub module: String,
    pub attempted: i64,
    pub passed: i64,
}

/// One closed session, or one correction of a closed session. Its `Debug` never shows a code
/// or the notes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionUpload {
    pub version: u32,
    pub session_id: Uuid,
    /// Set on a correction: the session it corrects (which keeps its site and time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrects: Option<Uuid>,
    pub site: String,
    pub kind: SessionKind,
    /// Unix seconds. The programme month of a session is that of `started_at` in UTC+2.
    pub started_at: i64,
    pub closed_at: i64,
    #[serde(default)]
    pub modules: Vec<String>,
    #[serde(default)]
    pub attendees: Vec<Attendee>,
    /// Corrections only: codes recorded in the corrected session by mistake.
    #[serde(default)]
    pub removed_attendees: Vec<String>,
    #[serde(default)]
    pub walk_ins: Vec<WalkIns>,
    #[serde(default)]
    pub commodities: Vec<CommodityCount>,
    #[serde(default)]
    pub referrals: Vec<Referral>,
    #[serde(default)]
    pub quiz: Vec<QuizResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl fmt::Debug for SessionUpload {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("SessionUpload")
            .field("session_id", &self.session_id)
            .field("corrects", &self.corrects)
            .field("site", &self.site)
            .field("kind", &self.kind)
            .field("started_at", &self.started_at)
            .field("attendees", &self.attendees.len())
            .field("removed_attendees", &self.removed_attendees.len())
            .field("walk_ins", &self.walk_ins)
            .field("commodities", &self.commodities)
            .field("referrals", &self.referrals.len())
            .finish_non_exhaustive()
    }
}

/// The canonical form of a typed or scanned client code, or why it is not one.
pub fn canonical_code(typed: &str) -> Result<String> {
    Ok(ClientCode::parse(typed)?.as_str().to_string())
}

/// `YYYY-MM` of a moment in the programme's local time (UTC+2).
pub fn programme_month(unix: i64) -> Result<String> {
    let local = unix
        .checked_add(crate::PROGRAMME_UTC_OFFSET_SECS)
        .and_then(|seconds| chrono::DateTime::from_timestamp(seconds, 0))
        .ok_or_else(|| Error::invalid("started_at", "not a time this programme can record"))?;
    Ok(local.format("%Y-%m").to_string())
}

/// Whether `text` is a month as reports name it (`2026-11`).
pub fn is_valid_month(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 7
        && bytes[4] == b'-'
        && bytes[..4].iter().chain(&bytes[5..]).all(u8::is_ascii_digit)
        && matches!(text[5..].parse::<u8>(), Ok(1..=12))
}

fn check_count(field: &'static str, count: i64, correction: bool) -> Result<()> {
    if count == 0 || !(-MAX_COUNT..=MAX_COUNT).contains(&count) {
        return Err(Error::invalid(field, format!("a count is 1 to {MAX_COUNT}")));
    }
    if count < 0 && !correction {
        return Err(Error::invalid(
            field,
            "a count below zero is only possible in a correction of a closed session",
        ));
    }
    Ok(())
}

impl SessionUpload {
    /// A session with nothing recorded yet (no correction): the lists are filled by the caller.
    pub fn new(session_id: Uuid, site: impl Into<String>, kind: SessionKind, started_at: i64, closed_at: i64) -> Self {
        SessionUpload {
            version: UPLOAD_VERSION,
            session_id,
            corrects: None,
            site: site.into(),
            kind,
            started_at,
            closed_at,
            modules: Vec::new(),
            attendees: Vec::new(),
            removed_attendees: Vec::new(),
            walk_ins: Vec::new(),
            commodities: Vec::new(),
            referrals: Vec::new(),
            quiz: Vec::new(),
            notes: None,
        }
    }

    /// Whether this is a correction.
    pub fn is_correction(&self) -> bool {
        self.corrects.is_some()
    }

    /// Every rule both the tablet (before it seals) and the hub (after it opens) hold an upload
    /// to. `now`: the checker's clock, so that a session cannot claim to start far in the future.
    pub fn validate(&self, now: i64) -> Result<()> {
        if self.version != UPLOAD_VERSION {
            return Err(Error::invalid(
                "session",
                format!(
                    "upload format {} is not known here (this is {UPLOAD_VERSION})",
                    self.version
                ),
            ));
        }
        let correction = self.is_correction();
        if self.corrects == Some(self.session_id) {
            return Err(Error::invalid("corrects", "a correction cannot correct itself"));
        }
        if !is_valid_site(&self.site) {
            return Err(Error::invalid("site", "not a valid site name"));
        }
        programme_month(self.started_at)?;
        if self.started_at < 1_500_000_000 || self.started_at > now.saturating_add(86_400) {
            return Err(Error::invalid(
                "started_at",
                "the session's date is not plausible; check the clock",
            ));
        }
        if self.closed_at < self.started_at {
            return Err(Error::invalid("closed_at", "a session cannot close before it started"));
        }
        if self.modules.len() > MAX_LINES || self.referrals.len() > MAX_LINES || self.quiz.len() > MAX_LINES {
            return Err(Error::invalid(
                "session",
                format!("at most {MAX_LINES} modules, referrals or quiz lines"),
            ));
        }
        let mut modules = HashSet::new();
        for module in &self.modules {
            if !is_valid_module_id(module) {
                return Err(Error::invalid("module", "not a module id"));
            }
            if !modules.insert(module) {
                return Err(Error::invalid("module", format!("{module} is listed twice")));
            }
        }
        if self.attendees.len() > MAX_ATTENDEES || self.removed_attendees.len() > MAX_ATTENDEES {
            return Err(Error::invalid(
                "attendees",
                format!("at most {MAX_ATTENDEES} people with a code in one session"),
            ));
        }
        let mut codes = HashSet::new();
        for attendee in &self.attendees {
            if canonical_code(&attendee.code)? != attendee.code {
                return Err(Error::invalid("code", "a client code is sent in its canonical form"));
            }
            if !codes.insert(attendee.code.as_str()) {
                return Err(Error::invalid(
                    "code",
                    "the same client code is recorded twice in this session",
                ));
            }
        }
        if !self.removed_attendees.is_empty() && !correction {
            return Err(Error::invalid(
                "removed_attendees",
                "only a correction of a closed session removes attendees",
            ));
        }
        let mut removed = HashSet::new();
        for code in &self.removed_attendees {
            if canonical_code(code)? != *code {
                return Err(Error::invalid("code", "a client code is sent in its canonical form"));
            }
            if codes.contains(code.as_str()) || !removed.insert(code.as_str()) {
                return Err(Error::invalid(
                    "code",
                    "a client code is both added and removed, or removed twice",
                ));
            }
        }
        let mut walk_in_groups = HashSet::new();
        for walk_ins in &self.walk_ins {
            check_count("walk_ins", walk_ins.count, correction)?;
            if !walk_in_groups.insert((walk_ins.gender, walk_ins.age_band)) {
                return Err(Error::invalid("walk_ins", "one line per gender and age band"));
            }
        }
        let mut commodities = HashSet::new();
        for line in &self.commodities {
            check_count("commodities", line.count, correction)?;
            if !commodities.insert(line.commodity) {
                return Err(Error::invalid("commodities", "one line per commodity"));
            }
        }
        for referral in &self.referrals {
            if !is_valid_site(&referral.clinic) {
                return Err(Error::invalid("clinic", "not a valid site name"));
            }
        }
        for quiz in &self.quiz {
            if !is_valid_module_id(&quiz.module) {
                return Err(Error::invalid("quiz", "not a module id"));
            }
            if quiz.attempted < 1 || quiz.attempted > MAX_COUNT || quiz.passed < 0 || quiz.passed > quiz.attempted {
                return Err(Error::invalid(
                    "quiz",
                    "attempted is 1 or more and passed is between 0 and attempted",
                ));
            }
        }
        if let Some(notes) = &self.notes {
            if notes.chars().count() > MAX_NOTES_CHARS || notes.chars().any(|c| c.is_control() && c != '\n') {
                return Err(Error::invalid(
                    "notes",
                    format!("at most {MAX_NOTES_CHARS} characters of plain text"),
                ));
            }
        }
        let encoded_len = serde_json::to_vec(self)
            .map_err(|_| Error::Internal("session encoding".into()))?
            .len();
        if encoded_len > MAX_SESSION_BODY_LEN {
            return Err(Error::invalid("session", "the session is too large to send; split it"));
        }
        Ok(())
    }

    /// The JSON the tablet seals (zeroize it after sealing: it holds codes).
    pub fn to_json(&self) -> Result<Vec<u8>> {
        serde_json::to_vec(self).map_err(|_| Error::Internal("session encoding".into()))
    }

    /// Reads an opened upload; the caller then runs [`SessionUpload::validate`].
    pub fn from_json(bytes: &[u8]) -> Result<SessionUpload> {
        serde_json::from_slice(bytes).map_err(|error| {
            Error::invalid(
                "session",
                format!(
                    "not a session upload (line {}, column {}: {:?})",
                    error.line(),
                    error.column(),
                    error.classify()
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload() -> SessionUpload {
        SessionUpload {
            version: UPLOAD_VERSION,
            session_id: Uuid::new_v4(),
            corrects: None,
            site: "beitbridge".into(),
            kind: SessionKind::Group,
            started_at: 1_795_000_000,
            closed_at: 1_795_003_600,
            modules: vec!["prep-basics".into()],
            attendees: vec![Attendee {
                code: ClientCode::generate().unwrap().as_str().to_string(),
                gender: Some(Gender::Female),
                age_band: Some(AgeBand::From18To24),
            }],
            removed_attendees: vec![],
            walk_ins: vec![WalkIns {
                gender: Gender::Male,
                age_band: AgeBand::From25To29,
                count: 2,
            }],
            commodities: vec![CommodityCount {
                commodity: Commodity::MaleCondoms,
                count: 40,
            }],
            referrals: vec![Referral {
                service: Service::Prep,
                clinic: "beitbridge".into(),
            }],
            quiz: vec![],
            notes: Some("rain; moved under the shelter".into()),
        }
    }

    const NOW: i64 = 1_795_010_000;

    #[test]
    fn a_well_formed_session_passes_and_round_trips() {
        let upload = upload();
        upload.validate(NOW).unwrap();
        assert_eq!(SessionUpload::from_json(&upload.to_json().unwrap()).unwrap(), upload);
    }

    #[test]
    fn debug_shows_neither_codes_nor_notes() {
        let upload = upload();
        let shown = format!("{upload:?} {:?}", upload.attendees);
        assert!(!shown.contains(&upload.attendees[0].code), "{shown}");
        assert!(!shown.contains("shelter"), "{shown}");
    }

    #[test]
    fn a_code_twice_a_bad_code_and_negative_counts_are_refused() {
        let mut twice = upload();
        twice.attendees.push(twice.attendees[0].clone());
        assert!(twice.validate(NOW).unwrap_err().to_string().contains("twice"));

        let mut bad = upload();
        bad.attendees[0].code = "not a code".into();
        assert!(bad.validate(NOW).is_err());

        let mut negative = upload();
        negative.commodities[0].count = -3;
        assert!(negative.validate(NOW).unwrap_err().to_string().contains("correction"));
        negative.corrects = Some(Uuid::new_v4());
        negative.validate(NOW).unwrap();

        let mut removing = upload();
        removing.removed_attendees = vec![ClientCode::generate().unwrap().as_str().to_string()];
        assert!(removing.validate(NOW).is_err());
    }

    #[test]
    fn the_month_is_read_in_the_programme_s_time() {
        // 2026-10-31 23:00 UTC is already November in UTC+2.
        assert_eq!(programme_month(1_793_487_600).unwrap(), "2026-11");
        assert_eq!(programme_month(1_793_487_600 - 7200).unwrap(), "2026-10");
        assert!(is_valid_month("2026-11"));
        assert!(!is_valid_month("2026-13"));
        assert!(!is_valid_month("26-11"));
    }

    #[test]
    fn words_parse_back() {
        for band in AgeBand::ALL {
            assert_eq!(AgeBand::parse(band.as_str()), Some(*band));
        }
        assert_eq!(Gender::parse(" Female "), Some(Gender::Female));
        assert_eq!(Commodity::parse("condoms"), None);
        let json = serde_json::to_string(&AgeBand::From50).unwrap();
        assert_eq!(json, "\"50+\"");
    }
}
