//! Typed members ↔ [`Value`]: every input and output member type knows its [`Shape`], how to
//! be built from a decoded value (reporting AWS's `ValidationError` wording for a missing
//! required member or a value of the wrong kind) and how to turn back into one; the
//! `structure!` macro declares a structure from `field: Type = "WireName" [constraints]`.
//!
//! Nothing here knows a protocol: the codecs (`crate::codec`) read and write values.

use std::borrow::Cow;

use time::OffsetDateTime;

use crate::{
    Shape, Value,
    constraint::{Constraint, check_int, check_str, violation},
    shape,
};

/// A member type.
pub trait Field: Sized {
    /// Its shape.
    const SHAPE: &'static Shape;
    /// Whether it holds a secret (the record step redacts it).
    const SENSITIVE: bool = false;
    /// Builds it from the decoded value (`None`: absent). A missing required member or a
    /// value of the wrong kind is pushed to `errs` (`member` names it as AWS does:
    /// `userName`, `tags.1.member.key`).
    fn from_value(v: Option<Value>, member: &str, errs: &mut Vec<String>) -> Self;
    /// The value to encode; `None` leaves the member out.
    fn into_value(self) -> Option<Value>;
    /// Checks one of the model's constraints.
    fn check(&self, _c: &Constraint, _member: &str, _errs: &mut Vec<String>) {}
}

/// `UserName` → `userName`, as AWS names members in validation messages.
pub fn member_name(wire: &str) -> String {
    let mut chars = wire.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The name of a structure's member in messages: `userName`, `tags.1.member.key`.
pub fn child_name(parent: &str, wire: &str) -> String {
    if parent.is_empty() {
        member_name(wire)
    } else {
        format!("{parent}.{}", member_name(wire))
    }
}

/// AWS's message for a required member that is absent.
pub fn missing(member: &str) -> String {
    format!("Value null at '{member}' failed to satisfy constraint: Member must not be null")
}

/// A value of the wrong kind for its member (a codec that follows the shape never makes one,
/// except awsQuery, whose every value arrives as text).
fn wrong_kind(v: &Value, member: &str, what: &str) -> String {
    match v {
        Value::String(s) => violation(s, member, what),
        other => format!(
            "Value at '{member}' failed to satisfy constraint: {what} (got a {})",
            other.kind()
        ),
    }
}

/// Starts a structure's decoding (for `structure!`): the value, or an empty structure.
pub fn structure_value(v: Option<Value>, member: &str, errs: &mut Vec<String>) -> Value {
    match v {
        Some(v @ Value::Structure(_)) => v,
        None => Value::empty(),
        Some(other) => {
            errs.push(wrong_kind(&other, member, "Member must be a structure"));
            Value::empty()
        }
    }
}

/// Adds a present member to an encoded structure (for `structure!`).
pub fn push_member(
    out: &mut Vec<(Cow<'static, str>, Value)>,
    wire: &'static str,
    v: Option<Value>,
) {
    if let Some(v) = v {
        out.push((Cow::Borrowed(wire), v));
    }
}

impl Field for String {
    const SHAPE: &'static Shape = &Shape::String;
    fn from_value(v: Option<Value>, member: &str, errs: &mut Vec<String>) -> Self {
        match v {
            Some(Value::String(s)) => s,
            Some(other) => {
                errs.push(wrong_kind(&other, member, "Member must be a string"));
                String::new()
            }
            None => {
                errs.push(missing(member));
                String::new()
            }
        }
    }
    fn into_value(self) -> Option<Value> {
        Some(Value::String(self))
    }
    fn check(&self, c: &Constraint, member: &str, errs: &mut Vec<String>) {
        check_str(self, c, member, errs);
    }
}

impl Field for i64 {
    const SHAPE: &'static Shape = &Shape::Integer;
    fn from_value(v: Option<Value>, member: &str, errs: &mut Vec<String>) -> Self {
        match v {
            Some(Value::Integer(n)) => n,
            Some(other) => {
                errs.push(wrong_kind(&other, member, "Member must be a whole number"));
                0
            }
            None => {
                errs.push(missing(member));
                0
            }
        }
    }
    fn into_value(self) -> Option<Value> {
        Some(Value::Integer(self))
    }
    fn check(&self, c: &Constraint, member: &str, errs: &mut Vec<String>) {
        check_int(*self, c, member, errs);
    }
}

impl Field for bool {
    const SHAPE: &'static Shape = &Shape::Boolean;
    fn from_value(v: Option<Value>, member: &str, errs: &mut Vec<String>) -> Self {
        match v {
            Some(Value::Boolean(b)) => b,
            Some(other) => {
                errs.push(wrong_kind(
                    &other,
                    member,
                    "Member must be a boolean (true or false)",
                ));
                false
            }
            None => {
                errs.push(missing(member));
                false
            }
        }
    }
    fn into_value(self) -> Option<Value> {
        Some(Value::Boolean(self))
    }
}

impl Field for OffsetDateTime {
    const SHAPE: &'static Shape = &Shape::Timestamp(None);
    fn from_value(v: Option<Value>, member: &str, errs: &mut Vec<String>) -> Self {
        match v {
            Some(Value::Timestamp(t)) => t,
            Some(other) => {
                errs.push(wrong_kind(&other, member, "Member must be a timestamp"));
                OffsetDateTime::UNIX_EPOCH
            }
            None => {
                errs.push(missing(member));
                OffsetDateTime::UNIX_EPOCH
            }
        }
    }
    fn into_value(self) -> Option<Value> {
        Some(Value::Timestamp(self))
    }
}

impl<T: Field> Field for Option<T> {
    const SHAPE: &'static Shape = T::SHAPE;
    const SENSITIVE: bool = T::SENSITIVE;
    fn from_value(v: Option<Value>, member: &str, errs: &mut Vec<String>) -> Self {
        v.map(|v| T::from_value(Some(v), member, errs))
    }
    fn into_value(self) -> Option<Value> {
        self.and_then(T::into_value)
    }
    fn check(&self, c: &Constraint, member: &str, errs: &mut Vec<String>) {
        if let Some(v) = self {
            v.check(c, member, errs);
        }
    }
}

/// Absent lists decode as empty; a list is always encoded (empty when it has no items).
impl<T: Field> Field for Vec<T> {
    const SHAPE: &'static Shape = &Shape::List(&shape::list_of(T::SHAPE));
    const SENSITIVE: bool = T::SENSITIVE;
    fn from_value(v: Option<Value>, member: &str, errs: &mut Vec<String>) -> Self {
        match v {
            None => Vec::new(),
            Some(Value::List(items)) => items
                .into_iter()
                .enumerate()
                .map(|(i, item)| {
                    T::from_value(Some(item), &format!("{member}.{}.member", i + 1), errs)
                })
                .collect(),
            Some(other) => {
                errs.push(wrong_kind(&other, member, "Member must be a list"));
                Vec::new()
            }
        }
    }
    fn into_value(self) -> Option<Value> {
        Some(Value::List(
            self.into_iter().filter_map(T::into_value).collect(),
        ))
    }
    fn check(&self, c: &Constraint, member: &str, errs: &mut Vec<String>) {
        if let Constraint::EachLen(min, max) = *c {
            for (i, item) in self.iter().enumerate() {
                item.check(
                    &Constraint::Len(min, max),
                    &format!("{member}.{}.member", i + 1),
                    errs,
                );
            }
        }
        if let Constraint::Items(min, max) = *c {
            if self.len() > max {
                errs.push(format!(
                    "Value at '{member}' failed to satisfy constraint: Member must have length less than or equal to {max}"
                ));
            }
            if self.len() < min {
                errs.push(format!(
                    "Value at '{member}' failed to satisfy constraint: Member must have length greater than or equal to {min}"
                ));
            }
        }
    }
}

/// Declares a structure (an input or an output): the struct, its shape, its decoding from a
/// [`Value`] with the model's constraint checks, and its encoding.
///
/// A member is `field: Type = "WireName" [constraints]`; for the REST protocols,
/// `@Location` after the wire name says where it is bound (`@Uri("Label")`,
/// `@Query("name")`, `@Header("X-Name")`, `@Headers("X-Prefix-")`, `@Payload`,
/// `@StatusCode`); members without one are in the body. The RPC protocols ignore it.
#[macro_export]
macro_rules! structure {
    ($(#[$meta:meta])* $name:ident { $( $(#[$fmeta:meta])* $field:ident : $ty:ty = $wire:literal $(@ $loc:ident $(($larg:literal))?)? $([ $($c:expr),* ])? ),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct $name { $( $(#[$fmeta])* pub $field: $ty, )* }

        impl $crate::Field for $name {
            const SHAPE: &'static $crate::Shape = &$crate::Shape::Structure(&[
                $( $crate::shape::Member {
                    sensitive: <$ty as $crate::Field>::SENSITIVE,
                    $( location: $crate::shape::Location::$loc $(($larg))?, )?
                    ..$crate::shape::Member::new($wire, <$ty as $crate::Field>::SHAPE)
                }, )*
            ]);

            #[allow(unused_variables, unused_mut, reason = "empty shapes read nothing")]
            fn from_value(v: Option<$crate::Value>, member: &str, errs: &mut Vec<String>) -> Self {
                let mut v = $crate::field::structure_value(v, member, errs);
                $(
                    let $field = {
                        let name = $crate::field::child_name(member, $wire);
                        let before = errs.len();
                        let x = <$ty as $crate::Field>::from_value(v.take($wire), &name, errs);
                        if errs.len() == before {
                            $( $( $crate::Field::check(&x, &$c, &name, errs); )* )?
                        }
                        x
                    };
                )*
                Self { $( $field, )* }
            }

            #[allow(unused_mut, reason = "empty shapes write nothing")]
            fn into_value(self) -> Option<$crate::Value> {
                let mut out = Vec::new();
                $( $crate::field::push_member(&mut out, $wire, $crate::Field::into_value(self.$field)); )*
                Some($crate::Value::Structure(out))
            }
        }
    };
}

/// Declares an output structure (no constraints to check): see [`structure!`].
#[macro_export]
macro_rules! shape {
    ($(#[$meta:meta])* $name:ident { $( $(#[$fmeta:meta])* $field:ident : $ty:ty = $wire:literal $(@ $loc:ident $(($larg:literal))?)? ),* $(,)? }) => {
        $crate::structure!($(#[$meta])* $name { $( $(#[$fmeta])* $field : $ty = $wire $(@ $loc $(($larg))?)? ),* });
    };
}
