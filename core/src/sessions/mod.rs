//! Peer-educator sessions on shared tablets, and the programme's reach.
//!
//! - [`upload`]: what a tablet sends for one closed session (or correction), its vocabularies
//!   (kinds, genders, age bands, commodities, services) and the checks both sides run.
//! - [`tablet`]: the educator's side, in their own encrypted profile: open a session, add
//!   attendees by client code, walk-ins, commodities, referrals, quiz results and notes, close it
//!   (immutable from then on; a correction is a new record that references it), seal it to the
//!   hub's intake key into the outbox, and, once the hub has it, delete its attendee codes and
//!   notes for good. The educator keeps only counts.
//!
//! Reach (unique people per site and month) is computed at the hub from keyed hashes of the codes
//! (`corridor-hub`'s `reach` module); `docs/sessions.md` describes both ends.

pub mod tablet;
pub mod upload;

pub use tablet::{EducatorStats, SessionDetail, SessionState, SessionSummary, SyncOutcome};
pub use upload::{
    AgeBand, Attendee, Commodity, CommodityCount, Gender, QuizResult, Referral, Service, SessionKind, SessionUpload,
    WalkIns,
};
