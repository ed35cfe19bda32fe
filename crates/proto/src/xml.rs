//! XML rendering of outputs and errors, as botocore's `QueryParser` and the AWS SDKs read them.
//!
//! ```text
//! <{Op}Response xmlns="…"><{Op}Result>…</{Op}Result><ResponseMetadata><RequestId>…</RequestId></ResponseMetadata></{Op}Response>
//! <ErrorResponse xmlns="…"><Error><Type>Sender</Type><Code>…</Code><Message>…</Message></Error><RequestId>…</RequestId></ErrorResponse>
//! ```

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use time::OffsetDateTime;

use crate::{ErrorCode, Fault};

/// An XML document being written.
#[derive(Debug, Default)]
pub struct Xml {
    buf: String,
}

/// Escapes text for element content (quotes need no escaping there, and AWS leaves them).
pub fn escape(s: &str, out: &mut String) {
    // Runs without a special character are copied whole (session tokens are long and have
    // none); the scan looks at bytes. A character XML 1.0 cannot carry at all (C0 controls
    // other than tab, line feed and carriage return; U+FFFE, U+FFFF) becomes U+FFFD, so no
    // input echoed into a response (an error message quoting a bad name, say) can make it
    // unparseable.
    let mut rest = s;
    while let Some(at) = first_special(rest.as_bytes()) {
        let (plain, special) = rest.split_at(at);
        out.push_str(plain);
        let mut chars = special.chars();
        let c = chars.next().unwrap_or_default();
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' => out.push_str("&#13;"),
            c if forbidden_in_xml(c) => out.push('\u{FFFD}'),
            // A U+Fxxx character that XML carries (the scan stops at its lead byte).
            c => out.push(c),
        }
        rest = chars.as_str();
    }
    out.push_str(rest);
}

/// The first byte [`maybe_special`] accepts: 32-byte blocks are tested whole (a loop without
/// an early exit, which the compiler vectorizes), the position found only in a block that has one.
fn first_special(bytes: &[u8]) -> Option<usize> {
    let mut base = 0;
    for block in bytes.chunks(32) {
        if block.iter().fold(false, |any, &b| any | maybe_special(b)) {
            return block
                .iter()
                .position(|&b| maybe_special(b))
                .map(|i| base + i);
        }
        base += block.len();
    }
    None
}

/// Whether a byte may start a character [`escape`] changes: the ASCII specials, C0 controls,
/// and 0xEF, the lead byte of U+F000..U+FFFF (U+FFFE and U+FFFF among them).
fn maybe_special(b: u8) -> bool {
    matches!(b, b'<' | b'>' | b'&' | b'\r' | 0xEF) || (b < 0x20 && b != b'\t' && b != b'\n')
}

/// Whether XML 1.0 cannot carry a character, even escaped
/// (<https://www.w3.org/TR/xml/#charsets>).
pub fn forbidden_in_xml(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

impl Xml {
    /// `<tag>`.
    pub fn open(&mut self, tag: &str) {
        self.buf.push('<');
        self.buf.push_str(tag);
        self.buf.push('>');
    }

    /// `</tag>`.
    pub fn close(&mut self, tag: &str) {
        self.buf.push_str("</");
        self.buf.push_str(tag);
        self.buf.push('>');
    }

    /// `<tag>text</tag>`, escaped.
    pub fn text(&mut self, tag: &str, text: &str) {
        self.open(tag);
        escape(text, &mut self.buf);
        self.close(tag);
    }

    /// The document.
    pub fn finish(self) -> String {
        self.buf
    }
}

/// A value that renders as one element.
pub trait XmlValue {
    /// Writes `<tag>…</tag>` (or nothing for an absent optional).
    fn write(&self, tag: &str, x: &mut Xml);
}

/// A structure whose members render inside a wrapper element.
pub trait XmlStruct {
    /// Writes the members, without a wrapper.
    fn write_members(&self, x: &mut Xml);
}

impl XmlValue for String {
    fn write(&self, tag: &str, x: &mut Xml) {
        x.text(tag, self);
    }
}

impl XmlValue for bool {
    fn write(&self, tag: &str, x: &mut Xml) {
        x.text(tag, if *self { "true" } else { "false" });
    }
}

impl XmlValue for i64 {
    fn write(&self, tag: &str, x: &mut Xml) {
        x.text(tag, &self.to_string());
    }
}

/// ISO 8601 UTC with seconds, as AWS renders timestamps: `2019-11-09T13:34:41Z`.
pub fn timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

impl XmlValue for OffsetDateTime {
    fn write(&self, tag: &str, x: &mut Xml) {
        x.text(tag, &timestamp(*self));
    }
}

impl<T: XmlValue> XmlValue for Option<T> {
    fn write(&self, tag: &str, x: &mut Xml) {
        if let Some(v) = self {
            v.write(tag, x);
        }
    }
}

impl<T: XmlValue> XmlValue for Vec<T> {
    fn write(&self, tag: &str, x: &mut Xml) {
        x.open(tag);
        for item in self {
            item.write("member", x);
        }
        x.close(tag);
    }
}

/// A policy document, rendered URL-encoded as IAM does (botocore decodes it back).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyDocumentText(pub String);

const DOCUMENT_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

impl XmlValue for PolicyDocumentText {
    fn write(&self, tag: &str, x: &mut Xml) {
        x.text(
            tag,
            &utf8_percent_encode(&self.0, DOCUMENT_ENCODE).to_string(),
        );
    }
}

/// A blob, rendered base64.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Blob(pub Vec<u8>);

impl XmlValue for Blob {
    fn write(&self, tag: &str, x: &mut Xml) {
        use base64::Engine;
        x.text(
            tag,
            &base64::engine::general_purpose::STANDARD.encode(&self.0),
        );
    }
}

/// A map rendered as `<tag><entry><key>k</key><value>v</value></entry>…</tag>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct XmlMap<V = i64>(pub Vec<(String, V)>);

impl<V: std::fmt::Display> XmlValue for XmlMap<V> {
    fn write(&self, tag: &str, x: &mut Xml) {
        x.open(tag);
        for (k, v) in &self.0 {
            x.open("entry");
            x.text("key", k);
            x.text("value", &v.to_string());
            x.close("entry");
        }
        x.close(tag);
    }
}

/// Declares an output shape: a struct rendering its members in order.
#[macro_export]
macro_rules! shape {
    ($(#[$meta:meta])* $name:ident { $( $(#[$fmeta:meta])* $field:ident : $ty:ty = $wire:literal ),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct $name { $( $(#[$fmeta])* pub $field: $ty, )* }

        impl $crate::xml::XmlStruct for $name {
            #[allow(unused_variables, reason = "empty shapes write nothing")]
            fn write_members(&self, x: &mut $crate::xml::Xml) {
                $( $crate::xml::XmlValue::write(&self.$field, $wire, x); )*
            }
        }

        impl $crate::xml::XmlValue for $name {
            fn write(&self, tag: &str, x: &mut $crate::xml::Xml) {
                x.open(tag);
                $crate::xml::XmlStruct::write_members(self, x);
                x.close(tag);
            }
        }
    };
}

/// The success envelope. `result` is `None` for operations whose output has no members.
pub fn render_response(
    action: &str,
    namespace: &str,
    result: Option<&dyn XmlStruct>,
    request_id: &str,
) -> String {
    let mut x = Xml::default();
    x.buf
        .push_str(&format!("<{action}Response xmlns=\"{namespace}\">"));
    if let Some(result) = result {
        let wrapper = format!("{action}Result");
        x.open(&wrapper);
        result.write_members(&mut x);
        x.close(&wrapper);
    }
    x.open("ResponseMetadata");
    x.text("RequestId", request_id);
    x.close("ResponseMetadata");
    x.close(&format!("{action}Response"));
    x.finish()
}

/// The error envelope (`RequestId` is a sibling of `Error`).
pub fn render_error(
    namespace: &str,
    code: ErrorCode,
    message: &str,
    extra: &[(&str, &str)],
    request_id: &str,
) -> String {
    let mut x = Xml::default();
    x.buf
        .push_str(&format!("<ErrorResponse xmlns=\"{namespace}\">"));
    x.open("Error");
    x.text(
        "Type",
        match code.fault() {
            Fault::Sender => "Sender",
            Fault::Receiver => "Receiver",
        },
    );
    x.text("Code", code.as_str());
    x.text("Message", message);
    for (k, v) in extra {
        x.text(k, v);
    }
    x.close("Error");
    x.text("RequestId", request_id);
    x.close("ErrorResponse");
    x.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    shape!(Caller {
        arn: String = "Arn",
        user_id: String = "UserId",
        account: String = "Account"
    });

    #[test]
    fn get_caller_identity_envelope() {
        let c = Caller {
            arn: "arn:aws:iam::123456789012:root".into(),
            user_id: "123456789012".into(),
            account: "123456789012".into(),
        };
        let xml = render_response("GetCallerIdentity", crate::STS_NAMESPACE, Some(&c), "rid");
        assert_eq!(
            xml,
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult>\
             <Arn>arn:aws:iam::123456789012:root</Arn><UserId>123456789012</UserId><Account>123456789012</Account>\
             </GetCallerIdentityResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
        );
    }

    #[test]
    fn escape_replaces_only_the_special_characters() {
        for (input, want) in [
            ("", ""),
            ("plain/Token+==", "plain/Token+=="),
            ("<>&\r", "&lt;&gt;&amp;&#13;"),
            ("é<ü>\"'ß&", "é&lt;ü&gt;\"'ß&amp;"),
            ("a\r\nb&&", "a&#13;\nb&amp;&amp;"),
            (
                "v\u{b}f\u{c}n\u{0}e\u{1b}",
                "v\u{FFFD}f\u{FFFD}n\u{FFFD}e\u{FFFD}",
            ),
            ("\t\n\u{85}\u{2028}\u{FFFF}", "\t\n\u{85}\u{2028}\u{FFFD}"),
            (
                "\u{F000}\u{FFFD}\u{FEFF}<\u{FFFE}",
                "\u{F000}\u{FFFD}\u{FEFF}&lt;\u{FFFD}",
            ),
        ] {
            let mut out = String::from("x");
            escape(input, &mut out);
            assert_eq!(out, format!("x{want}"), "{input:?}");
        }
    }

    #[test]
    fn escape_finds_specials_past_the_first_block() {
        for at in [0, 31, 32, 33, 63, 64, 100] {
            let input = format!("{}<{}\u{b}", "a".repeat(at), "é".repeat(20));
            let mut out = String::new();
            escape(&input, &mut out);
            assert_eq!(
                out,
                format!("{}&lt;{}\u{FFFD}", "a".repeat(at), "é".repeat(20)),
                "at {at}"
            );
        }
    }

    #[test]
    fn error_envelope_escapes() {
        let xml = render_error(
            crate::IAM_NAMESPACE,
            ErrorCode::NoSuchEntity,
            "a<b & 'c'",
            &[],
            "r",
        );
        assert!(xml.contains(
            "<Type>Sender</Type><Code>NoSuchEntity</Code><Message>a&lt;b &amp; 'c'</Message>"
        ));
        assert!(xml.ends_with("</Error><RequestId>r</RequestId></ErrorResponse>"));
    }

    #[test]
    fn documents_are_url_encoded() {
        let mut x = Xml::default();
        PolicyDocumentText("{\"a\": \"b/*\"}".into()).write("D", &mut x);
        assert_eq!(x.finish(), "<D>%7B%22a%22%3A%20%22b%2F%2A%22%7D</D>");
    }

    #[test]
    fn timestamps_are_utc_seconds() {
        let t = OffsetDateTime::from_unix_timestamp(1_573_306_481).expect("ts");
        assert_eq!(timestamp(t), "2019-11-09T13:34:41Z");
    }
}
