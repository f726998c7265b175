//! Identity-free client codes and the recovery secret.
//!
//! A client code is 50 random bits from the operating system's CSPRNG, written as ten symbols of
//! Crockford's base32 alphabet plus one check symbol, grouped for reading aloud as four, four and
//! three: `K7QM-4TX9-B2Q`. It carries nothing about the person, the device or the time, so no list
//! of names and birth dates can recompute it. The check symbol ([`check`]) catches every single
//! mistyped symbol and every swap of two neighbours. The recovery secret uses the same alphabet
//! and check: 26 random symbols (130 bits) and one check symbol, in groups of four.
//!
//! Parsing is forgiving where it is safe (any case; spaces, dashes and dots anywhere; O read as 0,
//! I and L read as 1) and strict where it matters: a character outside the alphabet, a wrong
//! length and a check that does not match each give their own error. The clinic, the peer
//! educators' attendance and the phone all use this one parser.
//!
//! A code is made only from randomness, never from anything about a person; the profile keeps
//! its own in its encrypted database (`store_client_code`), nowhere else.

pub mod check;

use qrcode::{EcLevel, QrCode};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::secret::fill_random;

/// Crockford's base32 alphabet: digits and letters without I, L, O and U.
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// What is wrong with a typed code or secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeProblem {
    /// A character that is not in the alphabet (after the forgiving readings), at a position
    /// counted from 1 among the characters typed.
    InvalidCharacter { character: char, position: usize },
    /// The wrong number of symbols.
    WrongLength { found: usize, expected: usize },
    /// Every symbol is valid but the check symbol does not match: a symbol was mistyped or two
    /// were swapped.
    CheckMismatch,
}

impl std::fmt::Display for CodeProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // The character itself is not repeated: messages must not carry parts of a code.
            CodeProblem::InvalidCharacter { position, .. } => {
                write!(
                    f,
                    "character {position} is not used in codes (only 0-9 and A-Z without I, L, O, U)"
                )
            }
            CodeProblem::WrongLength { found, expected } => {
                write!(f, "a code has {expected} characters, not {found}")
            }
            CodeProblem::CheckMismatch => {
                f.write_str("the code does not check out: a character is mistyped or two are swapped")
            }
        }
    }
}

/// The value of a typed character, with the forgiving readings; `None` outside the alphabet.
fn symbol_value(character: char) -> Option<u8> {
    let upper = character.to_ascii_uppercase();
    let read_as = match upper {
        'O' => '0',
        'I' | 'L' => '1',
        other => other,
    };
    ALPHABET
        .iter()
        .position(|&symbol| symbol as char == read_as)
        .map(|index| index as u8)
}

fn is_separator(character: char) -> bool {
    character.is_whitespace() || matches!(character, '-' | '‐' | '–' | '.' | '_')
}

/// Reads `typed` as `data_len` data symbols and a check symbol.
fn parse_symbols(typed: &str, data_len: usize) -> std::result::Result<Zeroizing<Vec<u8>>, CodeProblem> {
    let expected = data_len + 1;
    // Sizes first: nothing longer than a few times the code is read at all.
    if typed.len() > expected * 8 {
        return Err(CodeProblem::WrongLength {
            found: typed.chars().filter(|c| !is_separator(*c)).count(),
            expected,
        });
    }
    let mut symbols = Zeroizing::new(Vec::with_capacity(expected));
    for (index, character) in typed.chars().enumerate() {
        if is_separator(character) {
            continue;
        }
        match symbol_value(character) {
            Some(value) => symbols.push(value),
            None => {
                return Err(CodeProblem::InvalidCharacter {
                    character,
                    position: index + 1,
                })
            }
        }
    }
    if symbols.len() != expected {
        return Err(CodeProblem::WrongLength {
            found: symbols.len(),
            expected,
        });
    }
    if !check::is_codeword(&symbols) {
        return Err(CodeProblem::CheckMismatch);
    }
    Ok(symbols)
}

/// Writes symbols in groups of four separated by dashes.
fn grouped(symbols: &[u8]) -> String {
    let mut out = String::with_capacity(symbols.len() + symbols.len() / 4);
    for (index, symbol) in symbols.iter().enumerate() {
        if index > 0 && index % 4 == 0 {
            out.push('-');
        }
        out.push(ALPHABET[*symbol as usize] as char);
    }
    out
}

fn random_symbols(count: usize) -> Result<Zeroizing<Vec<u8>>> {
    // Five random bits per symbol, from one byte each (the top three bits dropped).
    let mut bytes = Zeroizing::new(vec![0u8; count]);
    fill_random(&mut bytes)?;
    Ok(Zeroizing::new(bytes.iter().map(|byte| byte & 0b1_1111).collect()))
}

fn codeword(data: &[u8]) -> Vec<u8> {
    let mut word = data.to_vec();
    word.push(check::check_symbol(data));
    word
}

/// A client code. Its text form is the only form: `K7QM-4TX9-B2Q`. Its `Debug` form hides it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientCode(String);

impl std::fmt::Debug for ClientCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientCode(…)")
    }
}

impl ClientCode {
    pub const DATA_SYMBOLS: usize = 10;

    /// A fresh random code.
    pub fn generate() -> Result<ClientCode> {
        let data = random_symbols(Self::DATA_SYMBOLS)?;
        Ok(ClientCode(grouped(&codeword(&data))))
    }

    /// Reads a typed or scanned code (see the module comment for what is forgiven).
    pub fn parse(typed: &str) -> Result<ClientCode> {
        let symbols = parse_symbols(typed, Self::DATA_SYMBOLS)
            .map_err(|problem| Error::InvalidCode { field: "code", problem })?;
        Ok(ClientCode(grouped(&symbols)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code as a QR symbol holding the bare code only (no address, no app name).
    pub fn qr(&self) -> Result<QrMatrix> {
        QrMatrix::encode(self.0.as_bytes())
    }
}

impl std::fmt::Display for ClientCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

const CLIENT_CODE_META_KEY: &str = "client_code";

/// Stores the profile's client code (in the profile's encrypted database).
pub(crate) fn store_client_code(connection: &rusqlite::Connection, code: &ClientCode) -> Result<()> {
    crate::store::profile::meta_set(connection, CLIENT_CODE_META_KEY, code.as_str().as_bytes())
}

/// The profile's client code, if it has one (educators do not).
pub(crate) fn load_client_code(connection: &rusqlite::Connection) -> Result<Option<ClientCode>> {
    match crate::store::profile::meta_get(connection, CLIENT_CODE_META_KEY)? {
        Some(bytes) => {
            let text = String::from_utf8(bytes).map_err(|_| Error::DatabaseDamaged)?;
            Ok(Some(ClientCode::parse(&text).map_err(|_| Error::DatabaseDamaged)?))
        }
        None => Ok(None),
    }
}

/// The recovery secret: 26 random symbols (130 bits) and a check, shown once, never stored.
/// Zeroized on drop; no `Debug`.
pub struct RecoverySecret(Zeroizing<String>);

impl RecoverySecret {
    pub const DATA_SYMBOLS: usize = 26;

    pub fn generate() -> Result<RecoverySecret> {
        let data = random_symbols(Self::DATA_SYMBOLS)?;
        Ok(RecoverySecret(Zeroizing::new(grouped(&codeword(&data)))))
    }

    pub fn parse(typed: &str) -> Result<RecoverySecret> {
        let symbols = parse_symbols(typed, Self::DATA_SYMBOLS).map_err(|problem| Error::InvalidCode {
            field: "recovery_secret",
            problem,
        })?;
        Ok(RecoverySecret(Zeroizing::new(grouped(&symbols))))
    }

    /// The grouped text, to show once.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A QR symbol as a square matrix of dark (`true`) and light modules, without the quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    pub width: u32,
    /// Row after row, `width * width` modules.
    pub modules: Vec<bool>,
}

impl QrMatrix {
    fn encode(content: &[u8]) -> Result<QrMatrix> {
        let code = QrCode::with_error_correction_level(content, EcLevel::M)
            .map_err(|_| Error::Internal("the QR encoder refused a code".into()))?;
        let width = code.width() as u32;
        let modules = code
            .to_colors()
            .into_iter()
            .map(|color| color == qrcode::Color::Dark)
            .collect();
        Ok(QrMatrix { width, modules })
    }

    pub fn is_dark(&self, x: u32, y: u32) -> bool {
        x < self.width && y < self.width && self.modules[(y * self.width + x) as usize]
    }

    /// An SVG drawing: one path, `module_size` pixels per module, a quiet zone of four modules.
    pub fn to_svg(&self, module_size: u32) -> String {
        let module_size = module_size.clamp(1, 64);
        let side = (self.width + 8) * module_size;
        let mut path = String::new();
        for y in 0..self.width {
            for x in 0..self.width {
                if self.is_dark(x, y) {
                    path.push_str(&format!(
                        "M{},{}h{}v{}h-{}z",
                        (x + 4) * module_size,
                        (y + 4) * module_size,
                        module_size,
                        module_size,
                        module_size
                    ));
                }
            }
        }
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{side}\" height=\"{side}\" viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\">\
             <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>"
        )
    }

    /// Text for a terminal: two modules per character cell (upper and lower half blocks), with a
    /// quiet zone of two modules. Dark modules are drawn as spaces on a light field, so it scans
    /// on a dark terminal.
    pub fn to_terminal(&self) -> String {
        let quiet = 2i64;
        let size = self.width as i64;
        let dark = |x: i64, y: i64| x >= 0 && y >= 0 && x < size && y < size && self.is_dark(x as u32, y as u32);
        let mut out = String::new();
        let mut y = -quiet;
        while y < size + quiet {
            for x in -quiet..size + quiet {
                out.push(match (dark(x, y), dark(x, y + 1)) {
                    (true, true) => ' ',
                    (true, false) => '▄',
                    (false, true) => '▀',
                    (false, false) => '█',
                });
            }
            out.push('\n');
            y += 2;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn values(code: &str) -> Vec<u8> {
        code.chars()
            .filter(|c| *c != '-')
            .map(|c| symbol_value(c).unwrap())
            .collect()
    }

    fn problem(typed: &str) -> CodeProblem {
        match ClientCode::parse(typed) {
            Err(Error::InvalidCode { problem, .. }) => problem,
            Ok(code) => panic!("{typed} was accepted as {code}"),
            Err(other) => panic!("{typed}: {other}"),
        }
    }

    /// Published test vectors (docs/codes.md): data symbols and the code they make. Computed by
    /// an independent implementation (log tables) when they were written.
    pub const TEST_VECTORS: &[(&str, &str)] = &[
        ("0000000000", "0000-0000-000"),
        ("0000000001", "0000-0000-01J"),
        ("1000000000", "1000-0000-00R"),
        ("K7QM4TX9B2", "K7QM-4TX9-B2Q"),
        ("ZZZZZZZZZZ", "ZZZZ-ZZZZ-ZZN"),
        ("0123456789", "0123-4567-890"),
        ("RRWC3A2FTH", "RRWC-3A2F-TH8"),
    ];

    #[test]
    fn the_published_test_vectors_hold() {
        for (data, code) in TEST_VECTORS {
            let word = codeword(&values(data));
            assert_eq!(grouped(&word), *code, "data {data}");
            assert_eq!(ClientCode::parse(code).unwrap().as_str(), *code);
        }
    }

    #[test]
    fn every_substitution_and_adjacent_swap_is_caught_in_many_random_codes() {
        for _ in 0..2_000 {
            let code = ClientCode::generate().unwrap();
            let symbols = values(code.as_str());
            assert!(ClientCode::parse(code.as_str()).is_ok());
            for position in 0..symbols.len() {
                for replacement in 0..32u8 {
                    if replacement == symbols[position] {
                        continue;
                    }
                    let mut typo = symbols.clone();
                    typo[position] = replacement;
                    assert_eq!(
                        problem(&grouped(&typo)),
                        CodeProblem::CheckMismatch,
                        "{code}: position {position}"
                    );
                }
            }
            for position in 0..symbols.len() - 1 {
                if symbols[position] == symbols[position + 1] {
                    continue;
                }
                let mut swapped = symbols.clone();
                swapped.swap(position, position + 1);
                assert_eq!(
                    problem(&grouped(&swapped)),
                    CodeProblem::CheckMismatch,
                    "{code}: swap at {position}"
                );
            }
        }
    }

    #[test]
    fn forgiving_readings_are_accepted() {
        let code = ClientCode::generate().unwrap();
        let text = code.as_str();
        let forms = [
            text.to_lowercase(),
            text.replace('-', ""),
            text.replace('-', " "),
            format!("  {} ", text.replace('-', " - ")),
            text.replace('-', "").chars().flat_map(|c| [c, ' ']).collect::<String>(),
            text.replace('0', "O").replace('1', "I"),
            text.replace('1', "l").to_lowercase().replace('0', "o"),
        ];
        for form in forms {
            assert_eq!(ClientCode::parse(&form).unwrap(), code, "{form:?}");
        }
    }

    #[test]
    fn each_kind_of_mistake_has_its_own_error() {
        let code = "K7QM-4TX9-B2Q";
        assert_eq!(
            problem("K7QM-4TX9-B2U"),
            CodeProblem::InvalidCharacter {
                character: 'U',
                position: 13
            }
        );
        assert_eq!(
            problem("K7QM-4TX9-B2*"),
            CodeProblem::InvalidCharacter {
                character: '*',
                position: 13
            }
        );
        assert_eq!(
            problem("K7QM-4TX9-B2"),
            CodeProblem::WrongLength {
                found: 10,
                expected: 11
            }
        );
        assert_eq!(
            problem("K7QM-4TX9-B2JJ"),
            CodeProblem::WrongLength {
                found: 12,
                expected: 11
            }
        );
        assert_eq!(problem(""), CodeProblem::WrongLength { found: 0, expected: 11 });
        assert_eq!(problem("K7QM-4TX9-B2K"), CodeProblem::CheckMismatch);
        assert_eq!(problem("7KQM-4TX9-B2Q"), CodeProblem::CheckMismatch);
        assert_eq!(
            problem("K7QM-4TX9-BQ2"),
            CodeProblem::CheckMismatch,
            "the check swapped with its neighbour"
        );
        assert!(matches!(problem(&"K".repeat(10_000)), CodeProblem::WrongLength { .. }));
        assert!(ClientCode::parse(code).is_ok());
        let message = Error::InvalidCode {
            field: "code",
            problem: CodeProblem::CheckMismatch,
        }
        .to_string();
        assert!(message.contains("mistyped or two are swapped"), "{message}");
    }

    #[test]
    fn generated_codes_are_well_formed_and_differ() {
        let codes: std::collections::HashSet<String> = (0..10_000)
            .map(|_| ClientCode::generate().unwrap().as_str().to_string())
            .collect();
        assert_eq!(codes.len(), 10_000);
        for code in codes.iter().take(100) {
            assert_eq!(code.len(), 13);
            assert_eq!(&code[4..5], "-");
            assert_eq!(&code[9..10], "-");
        }
    }

    #[test]
    fn the_recovery_secret_has_130_bits_and_the_same_protection() {
        let secret = RecoverySecret::generate().unwrap();
        assert_eq!(secret.expose().chars().filter(|c| *c != '-').count(), 27);
        assert_eq!(
            RecoverySecret::parse(&secret.expose().to_lowercase()).unwrap().expose(),
            secret.expose()
        );
        let mut typo: Vec<char> = secret.expose().chars().collect();
        let first = typo[0];
        typo[0] = if first == 'A' { 'B' } else { 'A' };
        match RecoverySecret::parse(&typo.iter().collect::<String>()) {
            Err(Error::InvalidCode {
                field: "recovery_secret",
                problem: CodeProblem::CheckMismatch,
            }) => {}
            other => panic!("a typo was not caught: {:?}", other.err()),
        }
    }

    #[test]
    fn the_qr_code_decodes_with_an_independent_decoder_to_the_bare_code() {
        for _ in 0..20 {
            let code = ClientCode::generate().unwrap();
            let matrix = code.qr().unwrap();
            let scale = 4usize;
            let side = (matrix.width as usize + 8) * scale;
            let mut image = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| {
                let (module_x, module_y) = ((x / scale) as i64 - 4, (y / scale) as i64 - 4);
                let dark = module_x >= 0 && module_y >= 0 && matrix.is_dark(module_x as u32, module_y as u32);
                if dark {
                    0
                } else {
                    255
                }
            });
            let grids = image.detect_grids();
            assert_eq!(grids.len(), 1);
            let (_, content) = grids[0].decode().unwrap();
            assert_eq!(content, code.as_str());
            assert!(matrix.to_svg(4).starts_with("<svg"));
            assert!(matrix.to_terminal().lines().count() > 10);
        }
    }

    proptest! {
        #[test]
        fn parsing_anything_never_panics(typed in "\\PC{0,64}") {
            let _ = ClientCode::parse(&typed);
            let _ = RecoverySecret::parse(&typed);
        }
    }
}
