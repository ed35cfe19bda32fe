//! What a value looks like on the wire, independent of any protocol: the runtime description
//! of a shape (Smithy's model, reduced to what the codecs need).
//!
//! Every typed input and output declares its shape at compile time (`Field::SHAPE`, built by
//! `structure!`); the codecs read it to decode a request into a [`crate::Value`] and to
//! encode a [`crate::Value`] back. Test shapes (botocore's protocol cases) are built at run
//! time with the same types.
//!
//! <https://smithy.io/2.0/spec/model.html#shapes>

/// A shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    /// Text.
    String,
    /// A policy document: text that IAM's awsQuery responses URL-encode (botocore decodes it
    /// back); every other protocol sends it as it is.
    PolicyDocument,
    /// A whole number (Smithy's byte, short, integer and long).
    Integer,
    /// A floating-point number.
    Float,
    /// `true` or `false`.
    Boolean,
    /// A point in time, with the format a member asks for (`None`: the protocol's default).
    Timestamp(Option<TimestampFormat>),
    /// Bytes (base64 in text protocols).
    Blob,
    /// A list.
    List(&'static List),
    /// A map with string keys.
    Map(&'static Map),
    /// A structure: named members in order.
    Structure(&'static [Member]),
    /// Any JSON value (Smithy's document type; the JSON protocols only).
    Document,
}

/// A list shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct List {
    /// The items' shape.
    pub item: &'static Shape,
    /// The element name of an item in XML and awsQuery (`member`).
    pub item_name: &'static str,
    /// awsQuery and XML only: items are repeated in place, without a wrapper.
    pub flattened: bool,
}

/// A map shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Map {
    /// The values' shape (keys are strings).
    pub value: &'static Shape,
    /// XML and awsQuery element names of an entry's key and value (`key`, `value`).
    pub key_name: &'static str,
    /// See `key_name`.
    pub value_name: &'static str,
    /// awsQuery and XML only: entries are repeated in place, without a wrapper.
    pub flattened: bool,
}

/// One member of a structure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Member {
    /// The member's name in the model (the typed field's wire name).
    pub name: &'static str,
    /// The name on the wire when it differs (`locationName`, `jsonName`); else `name`.
    pub wire: &'static str,
    /// Its shape.
    pub shape: &'static Shape,
    /// Where REST protocols carry it.
    pub location: Location,
    /// A secret or credential: never recorded (the audit trail redacts it).
    pub sensitive: bool,
    /// A string with a media type (botocore's `jsonvalue`): base64 in a header, as it is
    /// anywhere else.
    pub json_value: bool,
}

impl Member {
    /// A body member whose wire name is its name.
    pub const fn new(name: &'static str, shape: &'static Shape) -> Self {
        Self {
            name,
            wire: name,
            shape,
            location: Location::Body,
            sensitive: false,
            json_value: false,
        }
    }

    /// The same member, carried elsewhere than the body by the REST protocols.
    pub const fn at(self, location: Location) -> Self {
        Self { location, ..self }
    }

    /// The same member under another wire name.
    pub const fn wire(self, wire: &'static str) -> Self {
        Self { wire, ..self }
    }

    /// The same member, marked sensitive.
    pub const fn sensitive(self) -> Self {
        Self {
            sensitive: true,
            ..self
        }
    }
}

/// Where a REST protocol carries a member (the RPC protocols carry everything in the body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// In the body.
    Body,
    /// The whole body is this member (a structure, a blob or a string).
    Payload,
    /// A label of the request URI (`{Name}`, or greedy `{Name+}`).
    Uri(&'static str),
    /// A query-string parameter (a list repeats it); a map member (its name unused) takes
    /// every parameter of the request.
    Query(&'static str),
    /// A header (a list is comma-separated).
    Header(&'static str),
    /// Headers starting with a prefix, as a map.
    Headers(&'static str),
    /// The response's HTTP status code.
    StatusCode,
}

/// How a timestamp is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampFormat {
    /// `2019-11-09T13:34:41Z` (awsQuery, XML; ISO 8601).
    DateTime,
    /// `Sat, 09 Nov 2019 13:34:41 GMT` (headers; RFC 7231).
    HttpDate,
    /// Seconds since the epoch, possibly fractional (JSON protocols).
    EpochSeconds,
}

impl Shape {
    /// What a value of this shape is, in messages ("whole number", "object", …).
    pub fn describe(&self) -> &'static str {
        match self {
            Shape::String | Shape::PolicyDocument => "string",
            Shape::Integer => "whole number",
            Shape::Float => "number",
            Shape::Boolean => "boolean",
            Shape::Timestamp(_) => "timestamp",
            Shape::Blob => "base64 string",
            Shape::List(_) => "list",
            Shape::Map(_) | Shape::Structure(_) => "object",
            Shape::Document => "document",
        }
    }

    /// The members of a structure (empty for other shapes).
    pub fn members(&self) -> &'static [Member] {
        match self {
            Shape::Structure(m) => m,
            _ => &[],
        }
    }
}

/// A list of `item` with awsQuery's defaults (`member`, wrapped).
pub const fn list_of(item: &'static Shape) -> List {
    List {
        item,
        item_name: "member",
        flattened: false,
    }
}

/// A map of `value` with awsQuery's defaults (`entry` / `key` / `value`, wrapped).
pub const fn map_of(value: &'static Shape) -> Map {
    Map {
        value,
        key_name: "key",
        value_name: "value",
        flattened: false,
    }
}
