//! Health-literacy content as the shells see it: trust the shipped root, check and install
//! updates (with progress), and read modules as structured blocks (never HTML).

use std::sync::Arc;

use corridor_core::content::{install, library, model};
use corridor_core::runtime;

use crate::error::CorridorError;
use crate::hub::Hub;
use crate::vault::{ProfileSession, Vault};

type Result<T> = std::result::Result<T, CorridorError>;

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ContentUpdatePlan {
    pub installed_version: Option<u64>,
    pub offered_version: u64,
    pub up_to_date: bool,
    /// Ask before downloading this much (and offer Wi-Fi only).
    pub bytes_to_download: u64,
    pub files_to_download: u32,
    pub modules_added: u32,
    pub modules_changed: u32,
    pub modules_removed: u32,
    /// The metadata this check read (small; an update reads it again).
    pub metadata_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ContentUpdateOutcome {
    pub version: u64,
    pub up_to_date: bool,
    pub modules_installed: u32,
    pub modules_removed: u32,
    /// Module and asset files downloaded.
    pub bytes_downloaded: u64,
    pub metadata_bytes: u64,
}

/// Progress of a content download, in bytes.
#[uniffi::export(with_foreign)]
pub trait ContentProgressListener: Send + Sync {
    fn progress(&self, done_bytes: u64, total_bytes: u64);
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ModuleSummary {
    pub id: String,
    pub language: String,
    pub title: String,
    pub version: u32,
    pub topics: Vec<String>,
    pub quizzes_correct: u32,
    pub quizzes_total: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TextSpan {
    pub text: String,
    pub strong: bool,
    pub emphasis: bool,
    pub link: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CalloutKind {
    Urgent,
    Warning,
    Tip,
    Note,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QuizChoice {
    pub text: String,
    pub correct: bool,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QuizInfo {
    pub id: String,
    pub question: String,
    pub multiple: bool,
    pub choices: Vec<QuizChoice>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ContentBlock {
    Heading {
        level: u8,
        text: Vec<TextSpan>,
    },
    Paragraph {
        text: Vec<TextSpan>,
    },
    /// Named `ItemList`, not `List`: the latter would shadow Kotlin's `List` in generated code.
    ItemList {
        ordered: bool,
        items: Vec<Vec<TextSpan>>,
    },
    Image {
        asset: String,
        alt: String,
    },
    Audio {
        asset: String,
        title: String,
    },
    Callout {
        kind: CalloutKind,
        text: Vec<TextSpan>,
    },
    Quiz {
        quiz: QuizInfo,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ContentSource {
    pub title: String,
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ContentModule {
    pub id: String,
    pub language: String,
    pub title: String,
    pub version: u32,
    pub topics: Vec<String>,
    pub reading_minutes: u32,
    pub awaiting_clinical_review: bool,
    pub reviewed_by: Option<String>,
    pub review_date: Option<String>,
    pub sources: Vec<ContentSource>,
    pub blocks: Vec<ContentBlock>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ContentSearchHit {
    pub id: String,
    pub language: String,
    pub title: String,
    pub snippet: String,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ContentAsset {
    pub media_type: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChoiceFeedback {
    pub index: u32,
    pub text: String,
    pub chosen: bool,
    pub correct: bool,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QuizResult {
    pub correct: bool,
    pub feedback: Vec<ChoiceFeedback>,
    pub quizzes_correct: u32,
    pub quizzes_total: u32,
}

/// The safety-signed site list; `out_of_date`: it has expired (say so; update the content).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SiteList {
    pub sites: Vec<SiteInfo>,
    pub out_of_date: bool,
}

/// A programme site from the safety-signed site list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SiteInfo {
    pub id: String,
    pub name: String,
    pub place: String,
    pub country: String,
    pub opening_hours: String,
    pub phone: String,
    pub offers_pep: bool,
}

impl From<corridor_core::content::metadata::Site> for SiteInfo {
    fn from(site: corridor_core::content::metadata::Site) -> Self {
        SiteInfo {
            id: site.id,
            name: site.name,
            place: site.place,
            country: site.country,
            opening_hours: site.opening_hours,
            phone: site.phone,
            offers_pep: site.offers_pep,
        }
    }
}

fn spans(text: &model::Text) -> Vec<TextSpan> {
    text.iter()
        .map(|span| TextSpan {
            text: span.text.clone(),
            strong: span.strong,
            emphasis: span.emphasis,
            link: span.link.clone(),
        })
        .collect()
}

fn block(block: &model::Block) -> ContentBlock {
    match block {
        model::Block::Heading { level, text } => ContentBlock::Heading {
            level: *level,
            text: spans(text),
        },
        model::Block::Paragraph { text } => ContentBlock::Paragraph { text: spans(text) },
        model::Block::List { ordered, items } => ContentBlock::ItemList {
            ordered: *ordered,
            items: items.iter().map(spans).collect(),
        },
        model::Block::Image { asset, alt } => ContentBlock::Image {
            asset: asset.clone(),
            alt: alt.clone(),
        },
        model::Block::Audio { asset, title } => ContentBlock::Audio {
            asset: asset.clone(),
            title: title.clone(),
        },
        model::Block::Callout { kind, text } => ContentBlock::Callout {
            kind: match kind {
                model::CalloutKind::Urgent => CalloutKind::Urgent,
                model::CalloutKind::Warning => CalloutKind::Warning,
                model::CalloutKind::Tip => CalloutKind::Tip,
                model::CalloutKind::Note => CalloutKind::Note,
            },
            text: spans(text),
        },
        model::Block::Quiz(quiz) => ContentBlock::Quiz {
            quiz: QuizInfo {
                id: quiz.id.clone(),
                question: quiz.question.clone(),
                multiple: quiz.multiple,
                choices: quiz
                    .choices
                    .iter()
                    .map(|choice| QuizChoice {
                        text: choice.text.clone(),
                        correct: choice.correct,
                        explanation: choice.explanation.clone(),
                    })
                    .collect(),
            },
        },
    }
}

#[uniffi::export]
impl Vault {
    /// Pins the content root shipped inside the app; returns its version.
    pub fn trust_content_root(&self, root: Vec<u8>) -> Result<u64> {
        Ok(install::trust_root(&self.inner, &root)?)
    }

    /// What an update from `repository` would download (reads only the small metadata).
    pub async fn check_content(&self, repository: Arc<Hub>) -> Result<ContentUpdatePlan> {
        let vault = self.inner.clone();
        let client = repository.client().clone();
        let plan = runtime::spawn(async move { install::check(&vault, &client).await }).await?;
        Ok(ContentUpdatePlan {
            installed_version: plan.installed_version,
            offered_version: plan.offered_version,
            up_to_date: plan.up_to_date,
            bytes_to_download: plan.bytes_to_download,
            files_to_download: plan.files_to_download,
            modules_added: plan.modules_added,
            modules_changed: plan.modules_changed,
            modules_removed: plan.modules_removed,
            metadata_bytes: plan.metadata_bytes,
        })
    }

    /// Downloads, verifies and installs the newest content; all or nothing. Cancel by cancelling
    /// the coroutine: what was downloaded stays staged (encrypted) and the next update resumes.
    pub async fn update_content(
        &self,
        repository: Arc<Hub>,
        listener: Option<Arc<dyn ContentProgressListener>>,
    ) -> Result<ContentUpdateOutcome> {
        let vault = self.inner.clone();
        let client = repository.client().clone();
        let outcome = runtime::spawn(async move {
            let mut progress = |done: u64, total: u64| {
                if let Some(listener) = &listener {
                    listener.progress(done, total);
                }
            };
            install::update(&vault, &client, &mut progress).await
        })
        .await?;
        Ok(ContentUpdateOutcome {
            version: outcome.version,
            up_to_date: outcome.up_to_date,
            modules_installed: outcome.modules_installed,
            modules_removed: outcome.modules_removed,
            bytes_downloaded: outcome.bytes_downloaded,
            metadata_bytes: outcome.metadata_bytes,
        })
    }

    /// The installed catalog's version, if any (no PIN needed).
    pub fn installed_content_version(&self) -> Result<Option<u64>> {
        Ok(library::installed_version(&self.inner)?)
    }
}

#[uniffi::export]
impl ProfileSession {
    /// The programme's sites, from the safety-signed part of the content (none for the decoy).
    pub fn sites(&self) -> Result<SiteList> {
        let Some((safety, out_of_date)) = library::safety_for(&self.inner)? else {
            return Ok(SiteList {
                sites: Vec::new(),
                out_of_date: false,
            });
        };
        Ok(SiteList {
            sites: safety.sites.into_iter().map(SiteInfo::from).collect(),
            out_of_date,
        })
    }

    /// The installed modules (one language, or all) with this profile's quiz progress.
    pub fn content_modules(&self, language: Option<String>) -> Result<Vec<ModuleSummary>> {
        Ok(library::list(&self.inner, language.as_deref())?
            .into_iter()
            .map(|module| ModuleSummary {
                id: module.id,
                language: module.language,
                title: module.title,
                version: module.version,
                topics: module.topics,
                quizzes_correct: module.quizzes_correct,
                quizzes_total: module.quizzes_total,
            })
            .collect())
    }

    pub fn content_module(&self, id: String, language: String) -> Result<ContentModule> {
        let module = library::show(&self.inner, &id, &language)?;
        Ok(ContentModule {
            awaiting_clinical_review: module.review.status == model::ReviewStatus::AwaitingClinicalReview,
            reviewed_by: module.review.reviewed_by.clone(),
            review_date: module.review.review_date.clone(),
            sources: module
                .sources
                .iter()
                .map(|source| ContentSource {
                    title: source.title.clone(),
                    url: source.url.clone(),
                })
                .collect(),
            blocks: module.blocks.iter().map(block).collect(),
            id: module.id,
            language: module.language,
            title: module.title,
            version: module.version,
            topics: module.topics,
            reading_minutes: module.reading_minutes,
        })
    }

    pub fn content_search(&self, words: String, language: String) -> Result<Vec<ContentSearchHit>> {
        Ok(library::search(&self.inner, &words, &language)?
            .into_iter()
            .map(|hit| ContentSearchHit {
                id: hit.id,
                language: hit.language,
                title: hit.title,
                snippet: hit.snippet,
            })
            .collect())
    }

    pub fn content_asset(&self, id: String, language: String, name: String) -> Result<ContentAsset> {
        let (media_type, bytes) = library::asset(&self.inner, &id, &language, &name)?;
        Ok(ContentAsset { media_type, bytes })
    }

    /// Answers a quiz with the chosen choices (indexes from 0); progress stays in this profile.
    pub fn answer_quiz(&self, id: String, language: String, quiz_id: String, chosen: Vec<u32>) -> Result<QuizResult> {
        let result = library::answer_quiz(&self.inner, &id, &language, &quiz_id, &chosen)?;
        Ok(QuizResult {
            correct: result.correct,
            feedback: result
                .feedback
                .into_iter()
                .map(|choice| ChoiceFeedback {
                    index: choice.index,
                    text: choice.text,
                    chosen: choice.chosen,
                    correct: choice.correct,
                    explanation: choice.explanation,
                })
                .collect(),
            quizzes_correct: result.quizzes_correct,
            quizzes_total: result.quizzes_total,
        })
    }
}
