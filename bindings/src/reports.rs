//! Violence reports as the shells see them: a quick report of three choices, a full report, an
//! SOS; the home team; the list of reports with their states (never their contents).

use std::sync::Arc;

use corridor_core::reports::{filing, model, urgency};
use corridor_core::runtime;

use crate::content::SiteInfo;
use crate::error::CorridorError;
use crate::hub::Hub;
use crate::vault::ProfileSession;

type Result<T> = std::result::Result<T, CorridorError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ViolenceKind {
    Physical,
    Sexual,
    EmotionalOrVerbal,
    RobberyOrEconomic,
    ArrestOrPoliceHarassment,
    RefusedService,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum QuickWhen {
    Today,
    LastThreeDays,
    Earlier,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum QuickWant {
    ContactMe,
    UrgentMedicalHelp,
    JustRecordIt,
}

/// How the team may reach the person safely. No `Debug`: it may hold a phone number.
#[derive(Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SafeContact {
    ThroughPeerEducator,
    SafeTimeAndNumber { when: String, number: String },
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NearbyClinic {
    pub site: SiteInfo,
    pub distance_km: Option<f64>,
    /// Open at the time of the report (`null`: its hours could not be read).
    pub open_now: Option<bool>,
}

/// What the shell shows before anything else after a report.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ReportUrgency {
    pub pep_urgent: bool,
    pub emergency_contraception: bool,
    pub hours_left_for_pep: Option<u32>,
    pub hours_left_for_emergency_contraception: Option<u32>,
    pub clinics: Vec<NearbyClinic>,
    pub offer_pep_reminder: bool,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SubmittedReport {
    pub report_id: String,
    pub urgency: ReportUrgency,
    pub key_may_be_out_of_date: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SosResult {
    pub report_id: String,
    /// Numbers to offer to call or text.
    pub emergency_numbers: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ReportState {
    Queued,
    Sent,
    Received,
    /// The hub refused it (see the outbox item's reason).
    Refused,
    /// It never left the phone: file it again.
    NotSent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ReportKind {
    Quick,
    Full,
    Sos,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReportSummary {
    pub report_id: String,
    pub kind: ReportKind,
    pub created_at: i64,
    pub state: ReportState,
    pub kept_private_copy: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TeamInfo {
    pub id: String,
    pub name: String,
    pub sites: Vec<String>,
}

fn urgency_of(urgency: urgency::Urgency) -> ReportUrgency {
    ReportUrgency {
        pep_urgent: urgency.pep_urgent,
        emergency_contraception: urgency.emergency_contraception,
        hours_left_for_pep: urgency.hours_left_for_pep,
        hours_left_for_emergency_contraception: urgency.hours_left_for_emergency_contraception,
        offer_pep_reminder: urgency.offer_pep_reminder,
        clinics: urgency
            .clinics
            .into_iter()
            .map(|clinic| NearbyClinic {
                site: SiteInfo::from(clinic.site),
                distance_km: clinic.distance_km,
                open_now: clinic.open_now,
            })
            .collect(),
    }
}

fn submitted(result: filing::Submitted) -> SubmittedReport {
    SubmittedReport {
        report_id: result.report_id.hyphenated().to_string(),
        urgency: urgency_of(result.urgency),
        key_may_be_out_of_date: result.key_may_be_out_of_date,
    }
}

fn summary(report: filing::ReportInfo) -> ReportSummary {
    ReportSummary {
        report_id: report.report_id.hyphenated().to_string(),
        kind: match report.kind {
            filing::ReportKind::Quick => ReportKind::Quick,
            filing::ReportKind::Full => ReportKind::Full,
            filing::ReportKind::Sos => ReportKind::Sos,
        },
        created_at: report.created_at,
        state: match report.state {
            filing::ReportState::Queued => ReportState::Queued,
            filing::ReportState::Sent => ReportState::Sent,
            filing::ReportState::Received => ReportState::Received,
            filing::ReportState::Refused => ReportState::Refused,
            filing::ReportState::NotSent => ReportState::NotSent,
        },
        kept_private_copy: report.kept_private_copy,
    }
}

fn contact_of(contact: SafeContact) -> model::SafeContact {
    match contact {
        SafeContact::ThroughPeerEducator => model::SafeContact::ThroughPeerEducator,
        SafeContact::SafeTimeAndNumber { when, number } => model::SafeContact::SafeTimeAndNumber { when, number },
    }
}

#[uniffi::export]
impl ProfileSession {
    /// A quick report: exactly three choices. Sealed and queued at once.
    pub fn file_quick_report(
        &self,
        what: ViolenceKind,
        when: QuickWhen,
        wants: QuickWant,
        near_site: Option<String>,
    ) -> Result<SubmittedReport> {
        let body = model::ReportBody::Quick(model::QuickReport {
            what: match what {
                ViolenceKind::Physical => model::ViolenceKind::Physical,
                ViolenceKind::Sexual => model::ViolenceKind::Sexual,
                ViolenceKind::EmotionalOrVerbal => model::ViolenceKind::EmotionalOrVerbal,
                ViolenceKind::RobberyOrEconomic => model::ViolenceKind::RobberyOrEconomic,
                ViolenceKind::ArrestOrPoliceHarassment => model::ViolenceKind::ArrestOrPoliceHarassment,
                ViolenceKind::RefusedService => model::ViolenceKind::RefusedService,
                ViolenceKind::Other => model::ViolenceKind::Other,
            },
            when: match when {
                QuickWhen::Today => model::QuickWhen::Today,
                QuickWhen::LastThreeDays => model::QuickWhen::LastThreeDays,
                QuickWhen::Earlier => model::QuickWhen::Earlier,
            },
            wants: match wants {
                QuickWant::ContactMe => model::QuickWant::ContactMe,
                QuickWant::UrgentMedicalHelp => model::QuickWant::UrgentMedicalHelp,
                QuickWant::JustRecordIt => model::QuickWant::JustRecordIt,
            },
        });
        Ok(submitted(filing::submit(
            &self.inner,
            &body,
            near_site.as_deref(),
            false,
            None,
        )?))
    }

    /// A full report, as the JSON the report form builds (docs/reports.md lists its fields).
    /// `draft_id`: the draft it came from, deleted on success.
    pub fn file_full_report(
        &self,
        report_json: String,
        near_site: Option<String>,
        keep_private_copy: bool,
        draft_id: Option<String>,
    ) -> Result<SubmittedReport> {
        let report = zeroize::Zeroizing::new(report_json);
        let body = model::ReportBody::from_form_json(report.as_bytes())?;
        Ok(submitted(filing::submit(
            &self.inner,
            &body,
            near_site.as_deref(),
            keep_private_copy,
            draft_id.as_deref(),
        )?))
    }

    /// "I need help now": sealed and sent before anything else waiting.
    pub fn send_sos(&self, contact: Option<SafeContact>) -> Result<SosResult> {
        let sent = filing::sos(&self.inner, contact.map(contact_of))?;
        Ok(SosResult {
            report_id: sent.report_id.hyphenated().to_string(),
            emergency_numbers: sent.emergency_numbers,
        })
    }

    /// Saves a report draft (any JSON object), encrypted in the profile; returns its id.
    pub fn save_report_draft(&self, draft_id: Option<String>, draft_json: String) -> Result<String> {
        let value: serde_json::Value = serde_json::from_str(&draft_json).map_err(|_| CorridorError::InvalidInput {
            field: "draft_json".into(),
            reason: "not JSON".into(),
        })?;
        Ok(filing::save_draft(&self.inner, draft_id.as_deref(), &value)?)
    }

    pub fn report_draft(&self, draft_id: String) -> Result<Option<String>> {
        Ok(filing::draft(&self.inner, &draft_id)?.map(|value| value.to_string()))
    }

    pub fn report_drafts(&self) -> Result<Vec<String>> {
        Ok(filing::drafts(&self.inner)?.into_iter().map(|(id, _)| id).collect())
    }

    pub fn delete_report_draft(&self, draft_id: String) -> Result<bool> {
        Ok(filing::delete_draft(&self.inner, &draft_id)?)
    }

    /// The person's reports with their states as last seen.
    pub fn reports(&self) -> Result<Vec<ReportSummary>> {
        Ok(filing::list(&self.inner)?.into_iter().map(summary).collect())
    }

    /// Brings the states up to date (asking the hub, by report id only, when `hub` is given).
    pub async fn refresh_reports(&self, hub: Option<Arc<Hub>>) -> Result<Vec<ReportSummary>> {
        let session = self.inner.clone();
        let client = hub.map(|hub| hub.client().clone());
        let reports = runtime::spawn(async move { filing::refresh(&session, client.as_ref()).await }).await?;
        Ok(reports.into_iter().map(summary).collect())
    }

    pub fn home_team(&self) -> Result<Option<String>> {
        Ok(filing::home_team(&self.inner)?)
    }

    /// Chooses the home team (`null`: the programme-wide team).
    pub fn set_home_team(&self, team_id: Option<String>) -> Result<()> {
        Ok(filing::set_home_team(&self.inner, team_id.as_deref())?)
    }

    /// The programme's Crisis Response Teams.
    pub fn teams(&self) -> Result<Vec<TeamInfo>> {
        let teams = corridor_core::content::library::safety_for(&self.inner)?
            .map(|(safety, _)| safety.teams)
            .unwrap_or_default();
        Ok(teams
            .into_iter()
            .map(|team| TeamInfo {
                id: team.id,
                name: team.name,
                sites: team.sites,
            })
            .collect())
    }
}
