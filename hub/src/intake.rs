//! Turning a sealed session submission into what the hub stores: opened with the intake key,
//! read and checked as a [`SessionUpload`], every attendee code replaced by its keyed hash, the
//! rest kept as aggregates. The codes and the opened bytes are wiped before this returns; the
//! database never sees them.

use axum::http::StatusCode;
use corridor_core::reports::seal::{open_as, SealKind};
use corridor_core::sessions::upload::{programme_month, SessionUpload};
use corridor_core::sync::wire::{SessionSubmission, Uuid};
use serde_json::json;
use zeroize::{Zeroize, Zeroizing};

use crate::error::ApiError;
use crate::secrets::HubSecrets;

pub use corridor_core::sync::wire::codes::{INVALID_SESSION, SESSION_UNREADABLE};

/// One attendee as stored: the keyed hash of the code, and what was recorded about them.
#[derive(Clone, PartialEq, Eq)]
pub struct AttendanceLine {
    pub code_hash: [u8; 32],
    pub gender: Option<&'static str>,
    pub age_band: Option<&'static str>,
}

/// A session (or correction) ready to store: no code in it.
#[derive(Clone)]
pub struct SessionRecord {
    pub session_id: Uuid,
    pub corrects: Option<Uuid>,
    pub site: String,
    /// `YYYY-MM` of `started_at` in the programme's time (a correction takes its original's).
    pub month: String,
    pub kind: &'static str,
    pub started_at: i64,
    pub closed_at: i64,
    /// HMAC(reach key, "session-digest\0" ‖ the upload's JSON): the same session sent again
    /// has the same digest.
    pub digest: [u8; 32],
    /// JSON: modules, commodities, referrals, quiz, notes and counts. Never a code.
    pub summary: String,
    pub attendees: Vec<AttendanceLine>,
    /// Corrections: the hashes of codes recorded in the corrected session by mistake.
    pub removed: Vec<[u8; 32]>,
    /// `(gender, age band, signed count)`.
    pub walk_ins: Vec<(&'static str, &'static str, i64)>,
    pub submitted_by: i64,
}

fn unprocessable(code: &'static str, message: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

/// Opens and checks `submission`; `now` is the hub's clock (a session cannot start more than
/// a day after it).
pub fn prepare(
    secrets: &HubSecrets,
    submission: &SessionSubmission,
    submitted_by: i64,
    now: i64,
) -> Result<SessionRecord, ApiError> {
    let opened = Zeroizing::new(
        open_as(SealKind::Session, &submission.sealed, secrets.intake_key())
            .map_err(|error| unprocessable(SESSION_UNREADABLE, error.to_string()))?,
    );
    let mut upload =
        SessionUpload::from_json(&opened).map_err(|error| unprocessable(INVALID_SESSION, error.to_string()))?;
    let record = record_of(secrets, &upload, submission, submitted_by, now);
    for attendee in &mut upload.attendees {
        attendee.code.zeroize();
    }
    for code in &mut upload.removed_attendees {
        code.zeroize();
    }
    record
}

fn record_of(
    secrets: &HubSecrets,
    upload: &SessionUpload,
    submission: &SessionSubmission,
    submitted_by: i64,
    now: i64,
) -> Result<SessionRecord, ApiError> {
    upload
        .validate(now)
        .map_err(|error| unprocessable(INVALID_SESSION, error.to_string()))?;
    if upload.session_id != submission.session_id {
        return Err(unprocessable(
            INVALID_SESSION,
            "session_id: the sealed session has another id than the submission".into(),
        ));
    }
    if upload.site != submission.site {
        return Err(unprocessable(
            INVALID_SESSION,
            "site: the sealed session has another site than the submission".into(),
        ));
    }
    let month =
        programme_month(upload.started_at).map_err(|error| unprocessable(INVALID_SESSION, error.to_string()))?;
    let json = Zeroizing::new(upload.to_json().map_err(|_| ApiError::internal())?);
    let digest = secrets.session_digest(&json);
    let attendees = upload
        .attendees
        .iter()
        .map(|attendee| AttendanceLine {
            code_hash: secrets.code_hash(&attendee.code),
            gender: attendee.gender.map(|gender| gender.as_str()),
            age_band: attendee.age_band.map(|band| band.as_str()),
        })
        .collect();
    let removed = upload
        .removed_attendees
        .iter()
        .map(|code| secrets.code_hash(code))
        .collect();
    let walk_ins = upload
        .walk_ins
        .iter()
        .map(|line| (line.gender.as_str(), line.age_band.as_str(), line.count))
        .collect();
    let summary = json!({
        "kind": upload.kind,
        "modules": upload.modules,
        "attendees": upload.attendees.len(),
        "removed_attendees": upload.removed_attendees.len(),
        "walk_ins": upload.walk_ins,
        "commodities": upload.commodities,
        "referrals": upload.referrals,
        "quiz": upload.quiz,
        "notes": upload.notes,
    })
    .to_string();
    Ok(SessionRecord {
        session_id: upload.session_id,
        corrects: upload.corrects,
        site: upload.site.clone(),
        month,
        kind: upload.kind.as_str(),
        started_at: upload.started_at,
        closed_at: upload.closed_at,
        digest,
        summary,
        attendees,
        removed,
        walk_ins,
        submitted_by,
    })
}
