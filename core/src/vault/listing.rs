//! The public part of a data directory: which profiles exist, and for a shared tablet the
//! display names the educators chose (which are not secret) and their slot numbers.
//!
//! On a personal phone the listing holds exactly two profile ids, the person's and the decoy's,
//! in random order, and nothing else: it does not say which is which, nor whether a duress PIN
//! was ever set. The listing is stored as a length-prefixed JSON trailer of the key-slot file so
//! that every change to a directory is one atomic file replacement.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::vault::keyslots::{ProfileId, SLOT_COUNT};

pub const MAX_LISTING_LEN: usize = 16 * 1024;
pub const MAX_DISPLAY_NAME_CHARS: usize = 40;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listing {
    pub profiles: Vec<ListedProfile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListedProfile {
    pub id: String,
    /// An educator's display name; absent on a personal phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// An educator's slot; absent on a personal phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<u16>,
}

/// What kind of device a data directory belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectoryKind {
    /// One person's phone: the person's profile and a decoy.
    Personal,
    /// A shared tablet: one profile per peer educator.
    Educator,
}

impl Listing {
    /// A phone's listing: its two profiles by id, sorted, so the order tells nothing.
    pub fn phone(first: ProfileId, second: ProfileId) -> Listing {
        let mut ids = [first, second];
        ids.sort();
        Listing {
            profiles: ids
                .iter()
                .map(|id| ListedProfile {
                    id: id.to_hex(),
                    name: None,
                    slot: None,
                })
                .collect(),
        }
    }

    pub fn kind(&self) -> Option<DirectoryKind> {
        if self.profiles.is_empty() {
            None
        } else if self.profiles.iter().any(|profile| profile.name.is_some()) {
            Some(DirectoryKind::Educator)
        } else {
            Some(DirectoryKind::Personal)
        }
    }

    pub fn ids(&self) -> Vec<ProfileId> {
        self.profiles
            .iter()
            .filter_map(|profile| ProfileId::parse(&profile.id).ok())
            .collect()
    }

    pub fn find_by_name(&self, name: &str) -> Option<&ListedProfile> {
        let wanted = fold_name(name);
        self.profiles
            .iter()
            .find(|profile| profile.name.as_deref().map(fold_name) == Some(wanted.clone()))
    }

    pub fn find_by_id(&self, id: &ProfileId) -> Option<&ListedProfile> {
        let wanted = id.to_hex();
        self.profiles.iter().find(|profile| profile.id == wanted)
    }

    pub fn encode(&self) -> Result<Vec<u8>> {
        let bytes = serde_json::to_vec(self).map_err(|_| Error::Internal("the listing did not encode".into()))?;
        if bytes.len() > MAX_LISTING_LEN {
            return Err(Error::invalid("name", "the device holds too many profiles"));
        }
        Ok(bytes)
    }

    /// Parses and checks the listing: size first, then shape, then every field.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let damaged = |what: &str| Error::KeyFileDamaged(format!("its profile listing {what}"));
        if bytes.len() > MAX_LISTING_LEN {
            return Err(damaged("is too long"));
        }
        let listing: Listing = serde_json::from_slice(bytes).map_err(|_| damaged("is not valid"))?;
        if listing.profiles.len() > SLOT_COUNT {
            return Err(damaged("lists too many profiles"));
        }
        let educators = listing.profiles.iter().filter(|profile| profile.name.is_some()).count();
        if educators != 0 && educators != listing.profiles.len() {
            return Err(damaged("mixes a phone's and a tablet's profiles"));
        }
        let mut seen_ids = std::collections::HashSet::new();
        let mut seen_slots = std::collections::HashSet::new();
        for profile in &listing.profiles {
            ProfileId::parse(&profile.id).map_err(|_| damaged("has a malformed profile id"))?;
            if !seen_ids.insert(profile.id.clone()) {
                return Err(damaged("lists a profile twice"));
            }
            match (&profile.name, profile.slot) {
                (Some(name), Some(slot)) => {
                    check_display_name(name).map_err(|_| damaged("has a malformed name"))?;
                    if slot as usize >= SLOT_COUNT || !seen_slots.insert(slot) {
                        return Err(damaged("has a bad slot number"));
                    }
                }
                (None, None) => {}
                _ => return Err(damaged("has an educator entry without its name or slot")),
            }
        }
        Ok(listing)
    }
}

/// Checks and tidies an educator's display name: 1 to 40 characters, no control characters.
pub fn check_display_name(name: &str) -> Result<String> {
    let tidy = name.trim();
    let count = tidy.chars().count();
    if count == 0 || count > MAX_DISPLAY_NAME_CHARS {
        return Err(Error::invalid(
            "name",
            format!("a display name has 1 to {MAX_DISPLAY_NAME_CHARS} characters"),
        ));
    }
    if tidy.chars().any(char::is_control) {
        return Err(Error::invalid(
            "name",
            "a display name cannot contain control characters",
        ));
    }
    Ok(tidy.to_string())
}

fn fold_name(name: &str) -> String {
    name.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn malformed_listings_are_refused_with_a_reason() {
        for bad in [
            &b"{"[..],
            br#"{"profiles":[{"id":"zz"}]}"#,
            br#"{"profiles":[{"id":"00000000000000000000000000000001","name":"A"}]}"#,
            br#"{"profiles":[{"id":"00000000000000000000000000000001","name":"A","slot":16}]}"#,
            br#"{"profiles":[{"id":"00000000000000000000000000000001"},{"id":"00000000000000000000000000000001"}]}"#,
            br#"{"profiles":[],"extra":1}"#,
        ] {
            assert!(
                matches!(Listing::decode(bad), Err(Error::KeyFileDamaged(_))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(Listing::decode(&vec![b' '; MAX_LISTING_LEN + 1]).is_err());
    }

    #[test]
    fn display_names_are_tidied_and_matched_without_case() {
        assert_eq!(check_display_name("  Thandi ").unwrap(), "Thandi");
        assert!(check_display_name("").is_err());
        assert!(check_display_name("a\u{7}b").is_err());
        assert!(check_display_name(&"x".repeat(41)).is_err());
        let listing = Listing {
            profiles: vec![ListedProfile {
                id: "00".repeat(16),
                name: Some("Thandi".into()),
                slot: Some(0),
            }],
        };
        assert!(listing.find_by_name("thandi ").is_some());
        assert!(listing.find_by_name("Thando").is_none());
    }

    proptest! {
        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = Listing::decode(&bytes);
        }
    }
}
