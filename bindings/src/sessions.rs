//! Peer-educator sessions as the tablet shells see them (educator profiles only): open a
//! session, record attendees by client code and the rest, close (immutable), correct, the
//! educator's own numbers, and sync (after which the tablet keeps no client code).

use std::sync::Arc;

use corridor_core::runtime;
use corridor_core::sessions::tablet;
use corridor_core::sessions::upload;
use corridor_core::sync::wire::Uuid;

use crate::error::CorridorError;
use crate::hub::Hub;
use crate::vault::ProfileSession;

type Result<T> = std::result::Result<T, CorridorError>;

macro_rules! mirror_enum {
    ($name:ident => $core:path { $($variant:ident),* $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
        pub enum $name {
            $($variant),*
        }

        impl From<$name> for $core {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => <$core>::$variant),*
                }
            }
        }

        impl From<$core> for $name {
            fn from(value: $core) -> Self {
                match value {
                    $(<$core>::$variant => $name::$variant),*
                }
            }
        }
    };
}

mirror_enum!(SessionKind => upload::SessionKind { Group, OneToOne, Outreach });
mirror_enum!(Gender => upload::Gender { Female, Male, Transgender, Other });
mirror_enum!(AgeBand => upload::AgeBand { Under18, From18To24, From25To29, From30To34, From35To39, From40To49, From50 });
mirror_enum!(Commodity => upload::Commodity { MaleCondoms, FemaleCondoms, Lubricant, HivSelfTestKits });
mirror_enum!(Service => upload::Service {
    HivTesting, Prep, Pep, Art, Sti, Contraception, Tb, ViolenceSupport, MentalHealth, Other
});
mirror_enum!(SessionState => tablet::SessionState { Open, Closed, Queued, Sent });

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GenderCount {
    /// `null`: not given.
    pub gender: Option<Gender>,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WalkInCount {
    pub gender: Gender,
    pub age_band: AgeBand,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CommodityCount {
    pub commodity: Commodity,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReferralLine {
    pub service: Service,
    /// A programme site.
    pub clinic: String,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QuizLine {
    pub module: String,
    pub attempted: i64,
    pub passed: i64,
}

/// A session as lists show it: counts, never codes.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EducatorSession {
    pub id: String,
    /// Set on a correction: the session it corrects.
    pub corrects: Option<String>,
    pub kind: SessionKind,
    pub site: String,
    pub started_at: i64,
    pub closed_at: Option<i64>,
    pub state: SessionState,
    pub modules: Vec<String>,
    pub attendees: i64,
    pub attendees_by_gender: Vec<GenderCount>,
    pub walk_ins: Vec<WalkInCount>,
    pub commodities: Vec<CommodityCount>,
    pub referrals: Vec<ReferralLine>,
    pub quiz: Vec<QuizLine>,
}

/// A person recorded in the open session. No `Debug`: it holds a client code.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct SessionAttendee {
    pub code: String,
    pub gender: Option<Gender>,
    pub age_band: Option<AgeBand>,
}

/// The open session in full, for the educator's own screen. No `Debug`: codes and notes.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct OpenSession {
    pub session: EducatorSession,
    pub attendees: Vec<SessionAttendee>,
    /// Corrections only: codes the correction takes out of the corrected session.
    pub removed_codes: Vec<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EducatorNumbers {
    pub month: Option<String>,
    pub sessions: u32,
    pub corrections: u32,
    pub attendances: i64,
    pub walk_ins: i64,
    pub commodities: Vec<CommodityCount>,
    pub referrals: u32,
    /// Closed sessions the hub does not have yet.
    pub waiting: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SessionSyncResult {
    pub queued: u32,
    /// Sessions the hub now has; their client codes are gone from the tablet.
    pub sent: u32,
    pub waiting: u32,
    pub refused: u32,
}

fn session_of(summary: tablet::SessionSummary) -> EducatorSession {
    EducatorSession {
        id: summary.id.hyphenated().to_string(),
        corrects: summary.corrects.map(|id| id.hyphenated().to_string()),
        kind: summary.kind.into(),
        site: summary.site,
        started_at: summary.started_at,
        closed_at: summary.closed_at,
        state: summary.state.into(),
        modules: summary.modules,
        attendees: summary.attendees,
        attendees_by_gender: summary
            .attendees_by_gender
            .into_iter()
            .map(|line| GenderCount {
                gender: line.gender.map(Gender::from),
                count: line.count,
            })
            .collect(),
        walk_ins: summary
            .walk_ins
            .into_iter()
            .map(|line| WalkInCount {
                gender: line.gender.into(),
                age_band: line.age_band.into(),
                count: line.count,
            })
            .collect(),
        commodities: summary.commodities.into_iter().map(commodity_of).collect(),
        referrals: summary
            .referrals
            .into_iter()
            .map(|line| ReferralLine {
                service: line.service.into(),
                clinic: line.clinic,
            })
            .collect(),
        quiz: summary
            .quiz
            .into_iter()
            .map(|line| QuizLine {
                module: line.module,
                attempted: line.attempted,
                passed: line.passed,
            })
            .collect(),
    }
}

fn commodity_of(line: upload::CommodityCount) -> CommodityCount {
    CommodityCount {
        commodity: line.commodity.into(),
        count: line.count,
    }
}

fn session_id(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text.trim()).map_err(|_| CorridorError::InvalidInput {
        field: "session_id".into(),
        reason: "not a session id".into(),
    })
}

#[uniffi::export]
impl ProfileSession {
    /// Opens a session at a programme site covering installed modules; returns its id.
    pub fn start_session(&self, site: String, kind: SessionKind, modules: Vec<String>) -> Result<String> {
        Ok(tablet::start(&self.inner, &site, kind.into(), &modules)?
            .hyphenated()
            .to_string())
    }

    /// Opens a correction of a closed session; returns the correction's id.
    pub fn correct_session(&self, session_id_text: String) -> Result<String> {
        Ok(tablet::correct(&self.inner, session_id(&session_id_text)?)?
            .hyphenated()
            .to_string())
    }

    /// Records a person by client code (typed or scanned); returns the number of people with a
    /// code in the open session. The same code twice is refused.
    pub fn attend_session(&self, code: String, gender: Option<Gender>, age_band: Option<AgeBand>) -> Result<u32> {
        let code = zeroize::Zeroizing::new(code);
        Ok(tablet::attend(&self.inner, &code, gender.map(Into::into), age_band.map(Into::into))?.attendees)
    }

    /// Takes a code out of the open session (or, in a correction, out of the corrected one).
    pub fn remove_session_attendee(&self, code: String) -> Result<()> {
        let code = zeroize::Zeroizing::new(code);
        Ok(tablet::remove_attendee(&self.inner, &code)?)
    }

    /// Adds `count` walk-ins (negative to take back); returns the line's count.
    pub fn add_walk_ins(&self, gender: Gender, age_band: AgeBand, count: i64) -> Result<i64> {
        Ok(tablet::walk_ins(&self.inner, gender.into(), age_band.into(), count)?)
    }

    /// Adds `count` of a commodity handed out (negative to take back); returns the line's count.
    pub fn add_commodity(&self, commodity: Commodity, count: i64) -> Result<i64> {
        Ok(tablet::commodity(&self.inner, commodity.into(), count)?)
    }

    pub fn add_referral(&self, service: Service, clinic: String) -> Result<()> {
        Ok(tablet::refer(&self.inner, service.into(), &clinic)?)
    }

    pub fn add_quiz_result(&self, module: String, attempted: i64, passed: i64) -> Result<()> {
        Ok(tablet::quiz(&self.inner, &module, attempted, passed)?)
    }

    pub fn add_session_module(&self, module: String) -> Result<()> {
        Ok(tablet::add_module(&self.inner, &module)?)
    }

    /// Notes go to the hub with the session and leave the tablet with the codes.
    pub fn set_session_notes(&self, notes: Option<String>) -> Result<()> {
        let notes = notes.map(zeroize::Zeroizing::new);
        Ok(tablet::set_notes(&self.inner, notes.as_deref().map(String::as_str))?)
    }

    /// Throws the open session away; `false` when none was open.
    pub fn discard_open_session(&self) -> Result<bool> {
        Ok(tablet::discard_open(&self.inner)?)
    }

    /// Closes the open session (immutable from now on), sealing it for the hub when the tablet
    /// has the hub's intake key.
    pub fn close_session(&self) -> Result<EducatorSession> {
        Ok(session_of(tablet::close(&self.inner)?))
    }

    /// The open session in full, if any.
    pub fn open_session(&self) -> Result<Option<OpenSession>> {
        Ok(tablet::current(&self.inner)?.map(|detail| OpenSession {
            session: session_of(detail.summary),
            attendees: detail
                .attendees
                .into_iter()
                .map(|attendee| SessionAttendee {
                    code: attendee.code,
                    gender: attendee.gender.map(Gender::from),
                    age_band: attendee.age_band.map(AgeBand::from),
                })
                .collect(),
            removed_codes: detail.removed_attendees,
            notes: detail.notes,
        }))
    }

    /// The educator's sessions, newest first.
    pub fn educator_sessions(&self) -> Result<Vec<EducatorSession>> {
        Ok(tablet::list(&self.inner)?.into_iter().map(session_of).collect())
    }

    /// The educator's own numbers for a month (`YYYY-MM`) or all time.
    pub fn educator_numbers(&self, month: Option<String>) -> Result<EducatorNumbers> {
        let stats = tablet::stats(&self.inner, month.as_deref())?;
        Ok(EducatorNumbers {
            month: stats.month,
            sessions: stats.sessions,
            corrections: stats.corrections,
            attendances: stats.attendances,
            walk_ins: stats.walk_ins,
            commodities: stats.commodities.into_iter().map(commodity_of).collect(),
            referrals: stats.referrals,
            waiting: stats.waiting,
        })
    }

    /// Sends closed sessions to the hub this tablet is logged in to; deletes the codes of every
    /// session the hub now has.
    pub async fn sync_sessions(&self, hub: Arc<Hub>) -> Result<SessionSyncResult> {
        let session = self.inner.clone();
        let client = hub.client().clone();
        let outcome = runtime::spawn(async move { tablet::sync(&session, &client).await }).await?;
        Ok(SessionSyncResult {
            queued: outcome.queued,
            sent: outcome.sent,
            waiting: outcome.waiting,
            refused: outcome.refused,
        })
    }
}
