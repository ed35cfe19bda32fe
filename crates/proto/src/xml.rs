//! XML rendering of outputs and errors, as botocore's `QueryParser` and the AWS SDKs read them.
//!
//! ```text
//! <{Op}Response xmlns="…"><{Op}Result>…</{Op}Result><ResponseMetadata><RequestId>…</RequestId></ResponseMetadata></{Op}Response>
//! <ErrorResponse xmlns="…"><Error><Type>Sender</Type><Code>…</Code><Message>…</Message></Error><RequestId>…</RequestId></ErrorResponse>
//! ```

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use time::OffsetDateTime;

use crate::{ErrorCode, Fault, Shape, Value, shape::TimestampFormat};

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

    /// The members of a structure value, each as an element named by its wire name, in the
    /// value's order (without a wrapper).
    pub fn members(&mut self, shape: &Shape, value: &Value) {
        let Value::Structure(present) = value else {
            return;
        };
        for (name, v) in present {
            if let Some(m) = shape.members().iter().find(|m| m.name == name.as_ref()) {
                self.value(m.wire, m.shape, v);
            }
        }
    }

    /// One value as `<tag>…</tag>`: lists as `<member>` items (or repeated in place when
    /// flattened), maps as `<entry><key/><value/></entry>`, policy documents URL-encoded (as
    /// IAM sends them), timestamps ISO 8601, blobs base64.
    pub fn value(&mut self, tag: &str, shape: &Shape, value: &Value) {
        match (shape, value) {
            (Shape::PolicyDocument, Value::String(s)) => {
                self.text(tag, &utf8_percent_encode(s, DOCUMENT_ENCODE).to_string());
            }
            (Shape::List(l), Value::List(items)) => {
                if l.flattened {
                    for item in items {
                        self.value(tag, l.item, item);
                    }
                } else {
                    self.open(tag);
                    for item in items {
                        self.value(l.item_name, l.item, item);
                    }
                    self.close(tag);
                }
            }
            (Shape::Map(m), Value::Map(entries)) => {
                if !m.flattened {
                    self.open(tag);
                }
                for (k, v) in entries {
                    self.open(if m.flattened { tag } else { "entry" });
                    self.text(m.key_name, k);
                    self.value(m.value_name, m.value, v);
                    self.close(if m.flattened { tag } else { "entry" });
                }
                if !m.flattened {
                    self.close(tag);
                }
            }
            (Shape::Structure(_), Value::Structure(_)) => {
                self.open(tag);
                self.members(shape, value);
                self.close(tag);
            }
            (_, Value::String(s)) => self.text(tag, s),
            (_, Value::Integer(n)) => self.text(tag, &n.to_string()),
            (_, Value::Float(f)) => self.text(tag, &float_text(*f)),
            (_, Value::Boolean(b)) => self.text(tag, if *b { "true" } else { "false" }),
            (Shape::Timestamp(Some(TimestampFormat::EpochSeconds)), Value::Timestamp(t)) => {
                self.text(tag, &epoch_seconds(*t));
            }
            (Shape::Timestamp(Some(TimestampFormat::HttpDate)), Value::Timestamp(t)) => {
                self.text(tag, &http_date(*t));
            }
            (_, Value::Timestamp(t)) => self.text(tag, &timestamp(*t)),
            (_, Value::Blob(b)) => {
                use base64::Engine;
                self.text(tag, &base64::engine::general_purpose::STANDARD.encode(b));
            }
            // awsQuery has no documents; one is written as its JSON text.
            (_, Value::Document(d)) => self.text(tag, &d.to_string()),
            // A value that does not fit its shape is a bug of the handler; it is left out
            // rather than written in a form no client reads.
            (_, Value::List(_) | Value::Map(_) | Value::Structure(_)) => {}
        }
    }
}

/// ISO 8601 UTC with seconds, as AWS renders timestamps: `2019-11-09T13:34:41Z` (with
/// milliseconds when there are any).
pub fn timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let ms = t.millisecond();
    let fraction = if ms == 0 {
        String::new()
    } else {
        format!(".{ms:03}")
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{fraction}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// What a policy document keeps unencoded in IAM's responses.
const DOCUMENT_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A float as AWS's text protocols write it (`NaN`, `Infinity`, `-Infinity`).
pub fn float_text(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else {
        f.to_string()
    }
}

/// Seconds since the epoch, with the milliseconds when there are any (`1576540098.123`).
pub fn epoch_seconds(t: OffsetDateTime) -> String {
    let ms = t.unix_timestamp_nanos().div_euclid(1_000_000);
    if ms % 1000 == 0 {
        (ms / 1000).to_string()
    } else {
        // Shortest text that reads back as the same f64, exact to the millisecond.
        #[allow(
            clippy::cast_precision_loss,
            reason = "epoch milliseconds fit in f64's 53 bits"
        )]
        (ms as f64 / 1000.0).to_string()
    }
}

/// RFC 7231's IMF-fixdate: `Sat, 09 Nov 2019 13:34:41 GMT`.
pub fn http_date(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.format(&format).unwrap_or_default()
}

/// The success envelope. `result` is `None` for operations whose output has no members.
pub fn render_response(
    action: &str,
    namespace: &str,
    result: Option<(&Shape, &Value)>,
    request_id: &str,
) -> String {
    let mut x = Xml::default();
    x.buf
        .push_str(&format!("<{action}Response xmlns=\"{namespace}\">"));
    if let Some((shape, value)) = result {
        let wrapper = format!("{action}Result");
        x.open(&wrapper);
        x.members(shape, value);
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
    error_envelope(
        namespace,
        code.as_str(),
        code.fault(),
        Some(message),
        request_id,
        |x| {
            for (k, v) in extra {
                x.text(k, v);
            }
        },
    )
}

/// The error envelope of a modeled error: any code, and the members of the error structure
/// `detail` as elements of `<Error>` beside `Code` and `Message` (where botocore's
/// `QueryParser` reads them). A member named like an element already written is left out.
pub fn render_modeled_error(
    namespace: &str,
    code: &str,
    fault: Fault,
    message: Option<&str>,
    detail: Option<(&Shape, &Value)>,
    request_id: &str,
) -> String {
    error_envelope(namespace, code, fault, message, request_id, |x| {
        let Some((shape, Value::Structure(present))) = detail else {
            return;
        };
        for (name, v) in present {
            let Some(m) = shape.members().iter().find(|m| m.name == name.as_ref()) else {
                continue;
            };
            let written =
                matches!(m.wire, "Type" | "Code") || (m.wire == "Message" && message.is_some());
            if !written {
                x.value(m.wire, m.shape, v);
            }
        }
    })
}

fn error_envelope(
    namespace: &str,
    code: &str,
    fault: Fault,
    message: Option<&str>,
    request_id: &str,
    extra: impl FnOnce(&mut Xml),
) -> String {
    let mut x = Xml::default();
    x.buf
        .push_str(&format!("<ErrorResponse xmlns=\"{namespace}\">"));
    x.open("Error");
    x.text(
        "Type",
        match fault {
            Fault::Sender => "Sender",
            Fault::Receiver => "Receiver",
        },
    );
    x.text("Code", code);
    if let Some(message) = message {
        x.text("Message", message);
    }
    extra(&mut x);
    x.close("Error");
    x.text("RequestId", request_id);
    x.close("ErrorResponse");
    x.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::shape!(Caller {
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
        let value = crate::Field::into_value(c).expect("a structure");
        let xml = render_response(
            "GetCallerIdentity",
            crate::STS_NAMESPACE,
            Some((<Caller as crate::Field>::SHAPE, &value)),
            "rid",
        );
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
        x.value(
            "D",
            &Shape::PolicyDocument,
            &Value::String("{\"a\": \"b/*\"}".into()),
        );
        assert_eq!(x.finish(), "<D>%7B%22a%22%3A%20%22b%2F%2A%22%7D</D>");
    }

    #[test]
    fn epoch_seconds_keep_milliseconds() {
        let at = |nanos: i128| {
            epoch_seconds(OffsetDateTime::from_unix_timestamp_nanos(nanos).expect("ts"))
        };
        assert_eq!(at(1_576_540_098_000_000_000), "1576540098");
        assert_eq!(at(1_576_540_098_123_000_000), "1576540098.123");
        assert_eq!(
            at(1_576_540_098_000_400_000),
            "1576540098",
            "below a millisecond"
        );
        assert_eq!(at(1_576_540_098_500_000_000), "1576540098.5");
        assert_eq!(at(-1_500_000_000), "-1.5");
    }

    #[test]
    fn timestamps_are_utc_seconds() {
        let t = OffsetDateTime::from_unix_timestamp(1_573_306_481).expect("ts");
        assert_eq!(timestamp(t), "2019-11-09T13:34:41Z");
    }
}
