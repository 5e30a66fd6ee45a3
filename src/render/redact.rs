//! Redaction: personal data and secrets from snapshots never reach a report.
//!
//! Reports get forwarded, to auditors and finance leads who should not learn a
//! customer's contact details or credentials from them. Every format (and the
//! audit log, whose digests are taken over the exact bytes before this runs)
//! receives results that went through [`Redactor`]:
//!
//! - **email addresses**: `maya.chen@northwind.example` → `m***@northwind.example`;
//! - **phone numbers** (`+` and 8 to 15 digits, or the North American
//!   `(256) 555-0100` and `256-555-0100` forms): `+12565550100` → `+1256•••0100`;
//! - **API key ids** (Tencent Cloud `AKID…`, AWS `AKIA…`/`ASIA…`, GitHub, Slack,
//!   Stripe and Google key shapes): `AKIDq3HnPz0uJ8bEXAMPLE7f2a` → `AKIDq3Hn…7f2a`;
//! - **values of fields whose name says password, secret, token, key or
//!   credential** (`api_key`, `secretKey`, `auth-token`; `passport` is not a
//!   password): `•••` with the last 4 characters of a value of 16 or more, as
//!   dashboards show tokens;
//! - what `[redact]` in closeout.toml adds: more field names, JSON pointers
//!   (a pointer to an object or array covers every value under it), regular
//!   expressions, and how many characters each kind keeps visible.
//!
//! A mask keeps enough to tell two values apart and never enough to use one:
//! whatever `[redact.keep]` says, at least 3 characters, and at least a quarter
//! of the value (half of a secret), are hidden.
//!
//! What is masked: the policies' messages and the plan's targets, the snapshot
//! and account ids, error messages (a schema error quotes the value it
//! rejects), and the snapshot text that reports quote as evidence. A secret
//! found in a field is also masked wherever a message repeats it. The text is
//! read by a small tolerant scanner rather than a parser, so the text of a
//! snapshot that is not valid JSON is masked too; the labels of findings and
//! errors are moved to stay under their values.

use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

use regex::Regex;

use crate::config::{Config, RedactSettings};
use crate::model::SnapshotResult;
use crate::model::Span;
use crate::run::Redact;

/// What one kind of mask leaves visible: characters at the start and at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keep {
    pub start: usize,
    pub end: usize,
}

/// The kinds of value masked, each with its own mask and default [`Keep`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Kind {
    /// The local part of an address; the domain stays.
    Email,
    Phone,
    KeyId,
    /// A field named like a secret, or at a configured pointer.
    Secret,
    /// A match of a configured pattern.
    Pattern,
}

impl Kind {
    /// Every kind, in the order of the `keep` table.
    const ALL: [Kind; 5] = [
        Kind::Email,
        Kind::Phone,
        Kind::KeyId,
        Kind::Secret,
        Kind::Pattern,
    ];

    /// The name `[redact.keep]` uses.
    pub fn name(self) -> &'static str {
        self.into()
    }

    fn default_keep(self) -> Keep {
        let (start, end) = match self {
            Kind::Email => (1, 0),
            Kind::Phone => (5, 4),
            Kind::KeyId => (8, 4),
            Kind::Secret => (0, 4),
            Kind::Pattern => (0, 0),
        };
        Keep { start, end }
    }

    fn mask(self) -> &'static str {
        match self {
            Kind::Email => "***",
            Kind::Phone | Kind::Secret | Kind::Pattern => "•••",
            Kind::KeyId => "…",
        }
    }

    /// The fewest characters of a value of `len` characters this kind hides.
    fn min_hidden(self, len: usize) -> usize {
        let share = match self {
            Kind::Secret => len.div_ceil(2),
            _ => len.div_ceil(4),
        };
        share.max(3).min(len)
    }
}

/// The field-name words that make a value secret.
const SECRET_WORDS: [&str; 7] = [
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "key",
    "credential",
];

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[a-z0-9._%+\-]+@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)+")
        .expect("the email pattern compiles")
});

static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\+[0-9][0-9 ().\-]{6,22}[0-9]|\([0-9]{3}\) ?[0-9]{3}[\-. ][0-9]{4}\b|\b[0-9]{3}[\-.][0-9]{3}[\-.][0-9]{4}\b")
        .expect("the phone pattern compiles")
});

static KEY_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\b(?:AKID[A-Za-z0-9]{8,}",
        r"|(?:AKIA|ASIA|AIDA|AROA|AGPA|ANPA|ANVA|AIPA)[A-Z0-9]{12,}",
        r"|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}",
        r"|xox[abprs]-[A-Za-z0-9\-]{10,}",
        r"|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,}",
        r"|AIza[A-Za-z0-9_\-]{30,})"
    ))
    .expect("the key id pattern compiles")
});

/// Masks what a report must not show. Build it once per run.
#[derive(Debug, Clone)]
pub struct Redactor {
    /// Extra field-name words (lowercase), besides [`SECRET_WORDS`].
    fields: Vec<String>,
    /// JSON pointers whose values (and everything under them) are secret.
    pointers: Vec<String>,
    patterns: Vec<Regex>,
    keep: [Keep; 5],
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor {
            fields: Vec::new(),
            pointers: Vec::new(),
            patterns: Vec::new(),
            keep: Kind::ALL.map(Kind::default_keep),
        }
    }
}

impl Redactor {
    /// The default rules plus what `[redact]` in closeout.toml adds.
    pub fn new(settings: &RedactSettings) -> Result<Redactor, String> {
        let mut redactor = Redactor {
            fields: settings.fields.iter().map(|f| f.to_lowercase()).collect(),
            pointers: settings.pointers.clone(),
            ..Redactor::default()
        };
        for pattern in &settings.patterns {
            let regex = Regex::new(pattern)
                .map_err(|e| format!("redact.patterns: {pattern:?} is not a valid regex: {e}"))?;
            redactor.patterns.push(regex);
        }
        for (name, start, end) in &settings.keep {
            let kind = Kind::ALL
                .into_iter()
                .into_iter()
                .find(|k| k.name() == name)
                .ok_or_else(|| {
                    let names: Vec<&str> = Kind::ALL.into_iter().map(|k| k.name()).collect();
                    format!(
                        "redact.keep.{name}: unknown kind (expected {})",
                        names.join(", ")
                    )
                })?;
            redactor.keep[kind as usize] = Keep {
                start: *start,
                end: *end,
            };
        }
        Ok(redactor)
    }

    /// `value` masked as a `kind`: its start and end as `[redact.keep]` allows,
    /// the rest replaced by the kind's mask.
    pub fn mask(&self, kind: Kind, value: &str) -> String {
        if kind == Kind::Email {
            if let Some((local, domain)) = value.rsplit_once('@') {
                return format!("{}@{domain}", self.mask_chars(kind, local));
            }
        }
        self.mask_chars(kind, value)
    }

    fn mask_chars(&self, kind: Kind, value: &str) -> String {
        let chars: Vec<char> = value.chars().collect();
        let len = chars.len();
        let mut keep = self.keep[kind as usize];
        if kind == Kind::Secret && len < 16 {
            keep = Keep { start: 0, end: 0 };
        }
        let visible = len - kind.min_hidden(len);
        keep.end = keep.end.min(visible);
        keep.start = keep.start.min(visible - keep.end);
        let mut out: String = chars[..keep.start].iter().collect();
        out.push_str(kind.mask());
        out.extend(&chars[len - keep.end..]);
        out
    }

    /// `text` with every email address, phone number, key id and configured
    /// pattern masked, and every one of `secrets` (values of secret fields).
    pub fn text<'t>(&self, text: &'t str, secrets: &[String]) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        for secret in secrets {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), &self.mask(Kind::Secret, secret)));
            }
        }
        let rules: [(&Regex, Kind); 3] = [
            (&KEY_ID, Kind::KeyId),
            (&EMAIL, Kind::Email),
            (&PHONE, Kind::Phone),
        ];
        for (regex, kind) in rules
            .into_iter()
            .chain(self.patterns.iter().map(|r| (r, Kind::Pattern)))
        {
            if !regex.is_match(&out) {
                continue;
            }
            let replaced = regex.replace_all(&out, |caps: &regex::Captures<'_>| {
                let found = &caps[0];
                if kind == Kind::Phone && found.chars().filter(char::is_ascii_digit).count() < 8 {
                    return found.to_string();
                }
                self.mask(kind, found)
            });
            out = Cow::Owned(replaced.into_owned());
        }
        out
    }

    /// Whether a field of this name holds a secret.
    pub fn secret_field(&self, name: &str) -> bool {
        words(name).any(|word| {
            SECRET_WORDS
                .iter()
                .any(|s| word == *s || word.strip_suffix('s') == Some(s) || word.ends_with(s))
                && !word.starts_with("passport")
                || self.fields.contains(&word)
        }) || self.fields.iter().any(|f| *f == name.to_lowercase())
    }

    fn secret_pointer(&self, pointer: &str) -> bool {
        self.pointers.iter().any(|p| {
            pointer == p
                || (pointer.starts_with(p.as_str())
                    && pointer.as_bytes().get(p.len()) == Some(&b'/'))
                || p.is_empty()
        })
    }

    /// The snapshot's text with every masked value replaced, the values of
    /// secret fields (to mask where messages repeat them), and where the text
    /// moved.
    pub fn snapshot_text(&self, text: &str) -> Masked {
        let mut edits: Vec<(usize, usize, String)> = Vec::new();
        let mut secrets: Vec<String> = Vec::new();
        let want_pointers = !self.pointers.is_empty();
        scan(text, want_pointers, &mut |scalar| {
            let raw = &text[scalar.start..scalar.end];
            let secret = scalar.field.is_some_and(|f| self.secret_field(f))
                || (want_pointers && self.secret_pointer(&scalar.pointer));
            let Some((from, to)) = scalar.inner else {
                if secret && !matches!(raw, "true" | "false" | "null") {
                    if raw.len() >= 4 {
                        secrets.push(raw.to_string());
                    }
                    edits.push((scalar.start, scalar.end, self.mask(Kind::Secret, raw)));
                }
                return;
            };
            let inner = &text[from..to];
            let decoded: Cow<'_, str> = match inner.contains('\\') {
                true => serde_json::from_str::<String>(raw)
                    .map(Cow::Owned)
                    .unwrap_or(Cow::Borrowed(inner)),
                false => Cow::Borrowed(inner),
            };
            let masked = if secret {
                if decoded.chars().count() >= 4 {
                    secrets.push(decoded.to_string());
                }
                self.mask(Kind::Secret, &decoded)
            } else {
                match self.text(&decoded, &[]) {
                    Cow::Borrowed(_) => return,
                    Cow::Owned(masked) => masked,
                }
            };
            let json = serde_json::to_string(&masked).unwrap_or_default();
            let json = json
                .get(1..json.len().saturating_sub(1))
                .unwrap_or_default();
            edits.push((from, to, json.to_string()));
        });
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        secrets.dedup();
        let mut out = String::with_capacity(text.len());
        let mut shifts = Vec::with_capacity(edits.len());
        let mut at = 0;
        for (start, end, replacement) in edits {
            out.push_str(&text[at..start]);
            out.push_str(&replacement);
            shifts.push((start, end, replacement.len()));
            at = end;
        }
        out.push_str(&text[at..]);
        Masked {
            text: out,
            secrets,
            shifts,
        }
    }
}

/// The redaction of a run: the defaults and `[redact]` of `config`, or none
/// with `--no-redact`.
pub fn for_run(
    no_redact: bool,
    config: Option<&Config>,
) -> Result<Option<Arc<dyn Redact>>, String> {
    if no_redact {
        return Ok(None);
    }
    let settings = config.map(|c| c.redact.clone()).unwrap_or_default();
    Ok(Some(Arc::new(Redactor::new(&settings)?)))
}

/// A snapshot's text after [`Redactor::snapshot_text`].
#[derive(Debug, Clone)]
pub struct Masked {
    pub text: String,
    /// Values of secret fields, longest first.
    pub secrets: Vec<String>,
    /// Each replaced range of the original: start, end, and the new length.
    shifts: Vec<(usize, usize, usize)>,
}

impl Masked {
    /// Where `offset` of the original is in the masked text; an offset inside
    /// a masked value goes to the same place in its mask, or its end.
    pub fn offset(&self, offset: usize) -> usize {
        let mut moved = offset as isize;
        for &(start, end, len) in &self.shifts {
            if end <= offset {
                moved += len as isize - (end - start) as isize;
            } else if start < offset {
                moved += (offset - start).min(len) as isize - (offset - start) as isize;
            } else {
                break;
            }
        }
        let mut moved = (moved.max(0) as usize).min(self.text.len());
        while !self.text.is_char_boundary(moved) {
            moved -= 1;
        }
        moved
    }

    pub fn span(&self, span: Span) -> Span {
        let start = self.offset(span.offset);
        let end = self.offset(span.offset.saturating_add(span.len)).max(start);
        Span {
            offset: start,
            len: end - start,
        }
    }
}

impl Redact for Redactor {
    fn redact(
        &self,
        result: &mut SnapshotResult,
        text: Option<&str>,
        quoted: bool,
    ) -> Option<Arc<str>> {
        // The text is scanned for what messages might repeat, or to be quoted.
        let needed = quoted || !result.findings.is_empty() || result.error.is_some();
        let masked = text.filter(|_| needed).map(|t| self.snapshot_text(t));
        let secrets = masked.as_ref().map_or(&[][..], |m| &m.secrets[..]);
        let fix = |value: &mut String| {
            if let Cow::Owned(masked) = self.text(value, secrets) {
                *value = masked;
            }
        };
        for finding in &mut result.findings {
            fix(&mut finding.message);
            if let (Some(label), Some(masked)) = (finding.label, &masked) {
                finding.label = Some(masked.span(label));
            }
        }
        for step in &mut result.plan {
            step.targets.iter_mut().for_each(fix);
        }
        if let Some(error) = &mut result.error {
            fix(&mut error.message);
            if let (Some(span), Some(masked)) = (error.span, &masked) {
                error.span = Some(masked.span(span));
            }
        }
        for id in [&mut result.snapshot_id, &mut result.account_id]
            .into_iter()
            .flatten()
        {
            fix(id);
        }
        masked.filter(|_| quoted).map(|m| Arc::from(m.text))
    }
}

/// The words of a field name, lowercase: split at anything not a letter or
/// digit and where camelCase turns upper (`apiKey` → `api`, `key`).
fn words(name: &str) -> impl Iterator<Item = String> + '_ {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        word.extend(c.to_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    words.into_iter()
}

/// One scalar of a JSON text: its byte range (quotes included for a string),
/// the name of the member it is the value of (for an array's elements, the
/// array's), and its pointer when asked for.
struct Scalar<'t> {
    start: usize,
    end: usize,
    /// A string's contents (without quotes; to the end of the text when it
    /// never closes); `None` for a number or literal.
    inner: Option<(usize, usize)>,
    field: Option<&'t str>,
    pointer: String,
}

enum Frame<'t> {
    Object {
        key: Option<&'t str>,
        expect_key: bool,
    },
    Array {
        index: usize,
        field: Option<&'t str>,
    },
}

/// Calls `found` for every scalar value of `text`. Tolerant: text that is not
/// JSON (the text of a syntax error) is scanned as far as it makes sense, and
/// nothing here can panic. Keys are taken as written, escapes and all.
fn scan<'t>(text: &'t str, pointers: bool, found: &mut dyn FnMut(Scalar<'t>)) {
    let bytes = text.as_bytes();
    let mut stack: Vec<Frame<'t>> = Vec::new();
    let mut i = 0;
    let field_of = |stack: &[Frame<'t>]| match stack.last() {
        Some(Frame::Object { key, .. }) => *key,
        Some(Frame::Array { field, .. }) => *field,
        None => None,
    };
    let pointer_of = |stack: &[Frame<'t>]| {
        let mut pointer = String::new();
        for frame in stack {
            pointer.push('/');
            match frame {
                Frame::Object { key, .. } => {
                    pointer.push_str(&key.unwrap_or("").replace('~', "~0").replace('/', "~1"))
                }
                Frame::Array { index, .. } => pointer.push_str(&index.to_string()),
            }
        }
        pointer
    };
    while i < bytes.len() {
        match bytes[i] {
            b'{' => {
                stack.push(Frame::Object {
                    key: None,
                    expect_key: true,
                });
                i += 1;
            }
            b'[' => {
                let field = field_of(&stack);
                stack.push(Frame::Array { index: 0, field });
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                i += 1;
            }
            b',' => {
                match stack.last_mut() {
                    Some(Frame::Object { expect_key, .. }) => *expect_key = true,
                    Some(Frame::Array { index, .. }) => *index += 1,
                    None => {}
                }
                i += 1;
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                let closed = i < bytes.len();
                let end = (i + 1).min(bytes.len());
                i = end;
                let to = if closed { end - 1 } else { end };
                if !text.is_char_boundary(to) || !text.is_char_boundary(end) {
                    continue;
                }
                if let (true, Some(Frame::Object { key, expect_key })) = (closed, stack.last_mut())
                {
                    if *expect_key {
                        *key = Some(&text[start + 1..to]);
                        *expect_key = false;
                        continue;
                    }
                }
                // An unterminated string (a syntax error's text) is still masked.
                found(Scalar {
                    start,
                    end,
                    inner: Some((start + 1, to)),
                    field: field_of(&stack),
                    pointer: if pointers {
                        pointer_of(&stack)
                    } else {
                        String::new()
                    },
                });
            }
            b' ' | b'\t' | b'\n' | b'\r' | b':' => i += 1,
            _ => {
                let start = i;
                while i < bytes.len()
                    && !matches!(
                        bytes[i],
                        b',' | b'}'
                            | b']'
                            | b' '
                            | b'\t'
                            | b'\n'
                            | b'\r'
                            | b'"'
                            | b':'
                            | b'{'
                            | b'['
                    )
                {
                    i += 1;
                }
                if !text.is_char_boundary(start) || !text.is_char_boundary(i) {
                    continue;
                }
                found(Scalar {
                    start,
                    end: i,
                    inner: None,
                    field: field_of(&stack),
                    pointer: if pointers {
                        pointer_of(&stack)
                    } else {
                        String::new()
                    },
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor() -> Redactor {
        Redactor::default()
    }

    #[test]
    fn each_kind_is_masked_as_the_issue_shows() {
        let r = redactor();
        assert_eq!(r.text("a@acme.example", &[]), "***@acme.example");
        assert_eq!(r.text("alice@acme.example", &[]), "a***@acme.example");
        assert_eq!(r.text("+12565550100", &[]), "+1256•••0100");
        // Eight at the start: two keys of one account often end alike.
        assert_eq!(r.text("AKIDq3HnPz0uJ8bEXAMPLE7f2a", &[]), "AKIDq3Hn…7f2a");
        assert_eq!(
            r.text("call (256) 555-0100 now", &[]),
            "call (256)•••0100 now"
        );
        assert_eq!(r.text("256-555-0100", &[]), "256-5•••0100");
        assert_eq!(
            r.text(
                "port-out PO-3 of +12565550100 is authorized, FOC 2026-12-01",
                &[]
            ),
            "port-out PO-3 of +1256•••0100 is authorized, FOC 2026-12-01"
        );
    }

    #[test]
    fn dates_amounts_and_account_ids_are_left_alone() {
        let r = redactor();
        for text in [
            "2026-12-01",
            "2026-11-20T10:00:00Z",
            "account 200112345678",
            "50.0 USD",
            "voucher V-1",
            "+1234",
        ] {
            assert_eq!(r.text(text, &[]), text);
        }
    }

    #[test]
    fn secret_fields_are_named_by_their_words() {
        let r = redactor();
        for name in [
            "password",
            "api_key",
            "apiKey",
            "secretKey",
            "auth-token",
            "tokens",
            "SecretId",
            "credentials",
        ] {
            assert!(r.secret_field(name), "{name}");
        }
        for name in [
            "passport",
            "kind",
            "email",
            "monk",
            "id",
            "keyboard_layout_name",
        ] {
            assert!(!r.secret_field(name), "{name}");
        }
    }

    #[test]
    fn secrets_keep_their_end_only_when_long() {
        let r = redactor();
        assert_eq!(r.mask(Kind::Secret, "hunter2"), "•••");
        assert_eq!(r.mask(Kind::Secret, "ghs_0123456789abcdefXYZ9"), "•••XYZ9");
        // At least three characters, and a quarter, are hidden, whatever keep says.
        let wide = Redactor::new(&RedactSettings {
            keep: vec![("phone".into(), 20, 20)],
            ..RedactSettings::default()
        })
        .unwrap();
        assert_eq!(wide.mask(Kind::Phone, "+12565550100"), "•••565550100");
        assert_eq!(r.mask(Kind::Email, "it@x.example"), "***@x.example");
    }

    #[test]
    fn snapshot_text_masks_values_and_moves_labels() {
        let r = redactor();
        let text = "{\"contact\": {\"email\": \"maya.chen@northwind.example\", \"phone\": \"+12565550100\"},\n \"api_key\": \"sk-very-secret-value-1234\", \"pin\": 1234, \"id\": \"V-1\"}";
        let masked = r.snapshot_text(text);
        assert_eq!(
            masked.text,
            "{\"contact\": {\"email\": \"m***@northwind.example\", \"phone\": \"+1256•••0100\"},\n \"api_key\": \"•••1234\", \"pin\": 1234, \"id\": \"V-1\"}"
        );
        assert_eq!(masked.secrets, ["sk-very-secret-value-1234"]);
        let id = text.find("\"id\"").unwrap();
        let span = masked.span(Span {
            offset: id,
            len: 11,
        });
        assert_eq!(
            &masked.text[span.offset..span.offset + span.len],
            "\"id\": \"V-1\""
        );
        // A message repeating the secret is masked too.
        assert_eq!(
            r.text("key sk-very-secret-value-1234 is live", &masked.secrets),
            "key •••1234 is live"
        );
    }

    #[test]
    fn pointers_and_patterns_from_the_config() {
        let r = Redactor::new(&RedactSettings {
            fields: vec!["iban".into()],
            pointers: vec!["/account/name".into()],
            patterns: vec!["ACCT-[0-9]{6}".into()],
            keep: vec![],
        })
        .unwrap();
        let masked = r.snapshot_text(r#"{"account": {"name": "Zhao Lei", "iban": "GB33BUKB20201555555555", "ref": "ACCT-123456"}}"#);
        assert_eq!(
            masked.text,
            r#"{"account": {"name": "•••", "iban": "•••5555", "ref": "•••"}}"#
        );
        assert!(Redactor::new(&RedactSettings {
            patterns: vec!["(".into()],
            ..RedactSettings::default()
        })
        .is_err());
    }

    #[test]
    fn escaped_and_broken_text_is_masked_without_panicking() {
        let r = redactor();
        let masked = r.snapshot_text(r#"{"email": "bob\u0040acme.example", "x": "+12565550100"#);
        assert_eq!(
            masked.text,
            r#"{"email": "***@acme.example", "x": "+1256•••0100"#
        );
        for broken in [
            "{\"a\": \"",
            "\"\\",
            "{\"token\": 12",
            "]]}}\"",
            "{\"k\":\"é\\\"}",
        ] {
            let _ = r.snapshot_text(broken);
        }
    }
}
