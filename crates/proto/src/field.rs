//! Decoding one member from [`Params`] and checking its constraints; the `structure!` macro
//! builds input shapes from a list of `field: Type = "WireName" [constraints]`.

use crate::{
    Params,
    constraint::{Constraint, check_int, check_str, violation},
};

/// A member type that can be read from params.
pub trait Field: Sized {
    /// Reads the member at `key`; missing required members and bad values are pushed to `errs`.
    fn decode(p: &Params, key: &str, member: &str, errs: &mut Vec<String>) -> Self;
    /// Checks one constraint.
    fn check(&self, c: &Constraint, member: &str, errs: &mut Vec<String>);
}

/// A list element type: scalars at `Name.member.N`, structures at `Name.member.N.Field`.
pub trait Item: Sized {
    /// Reads the element at `key` (`Name.member.N`).
    fn decode_item(p: &Params, key: &str, member: &str, errs: &mut Vec<String>) -> Self;
}

/// A structure shape.
pub trait Struct: Sized {
    /// Reads every member under `prefix` (`""` for a top-level input, `Tags.member.1.` nested).
    fn decode_struct(p: &Params, prefix: &str, member_prefix: &str, errs: &mut Vec<String>)
    -> Self;
}

/// `UserName` → `userName`, as AWS names members in validation messages.
pub fn member_name(wire: &str) -> String {
    let mut chars = wire.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl Field for String {
    fn decode(p: &Params, key: &str, member: &str, errs: &mut Vec<String>) -> Self {
        match p.get(key) {
            Some(v) => v.to_owned(),
            None => {
                errs.push(format!(
                    "Value null at '{member}' failed to satisfy constraint: Member must not be null"
                ));
                String::new()
            }
        }
    }
    fn check(&self, c: &Constraint, member: &str, errs: &mut Vec<String>) {
        check_str(self, c, member, errs);
    }
}

impl Field for Option<String> {
    fn decode(p: &Params, key: &str, _member: &str, _errs: &mut Vec<String>) -> Self {
        p.get(key).map(str::to_owned)
    }
    fn check(&self, c: &Constraint, member: &str, errs: &mut Vec<String>) {
        if let Some(v) = self {
            check_str(v, c, member, errs);
        }
    }
}

impl Field for Option<i64> {
    fn decode(p: &Params, key: &str, member: &str, errs: &mut Vec<String>) -> Self {
        let v = p.get(key)?;
        match v.trim().parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errs.push(violation(v, member, "Member must be a whole number"));
                None
            }
        }
    }
    fn check(&self, c: &Constraint, member: &str, errs: &mut Vec<String>) {
        if let Some(v) = self {
            check_int(*v, c, member, errs);
        }
    }
}

impl Field for Option<bool> {
    fn decode(p: &Params, key: &str, member: &str, errs: &mut Vec<String>) -> Self {
        let v = p.get(key)?;
        match v {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => {
                errs.push(violation(
                    v,
                    member,
                    "Member must be a boolean (true or false)",
                ));
                None
            }
        }
    }
    fn check(&self, _c: &Constraint, _member: &str, _errs: &mut Vec<String>) {}
}

impl<T: Item> Field for Vec<T> {
    fn decode(p: &Params, key: &str, member: &str, errs: &mut Vec<String>) -> Self {
        p.member_indexes(key)
            .into_iter()
            .map(|n| {
                T::decode_item(
                    p,
                    &format!("{key}.member.{n}"),
                    &format!("{member}.{n}.member"),
                    errs,
                )
            })
            .collect()
    }
    fn check(&self, c: &Constraint, member: &str, errs: &mut Vec<String>) {
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

impl Item for String {
    fn decode_item(p: &Params, key: &str, _member: &str, _errs: &mut Vec<String>) -> Self {
        p.get(key).unwrap_or_default().to_owned()
    }
}

/// Declares an input shape: a struct, its [`Struct`] decoding and its constraint checks.
#[macro_export]
macro_rules! structure {
    ($(#[$meta:meta])* $name:ident { $( $(#[$fmeta:meta])* $field:ident : $ty:ty = $wire:literal $([ $($c:expr),* ])? ),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct $name { $( $(#[$fmeta])* pub $field: $ty, )* }

        impl $crate::Struct for $name {
            #[allow(unused_variables, reason = "empty shapes read nothing")]
            fn decode_struct(p: &$crate::Params, prefix: &str, member_prefix: &str, errs: &mut Vec<String>) -> Self {
                $(
                    let $field = {
                        let member = format!("{member_prefix}{}", $crate::field::member_name($wire));
                        let before = errs.len();
                        let v = <$ty as $crate::Field>::decode(p, &format!("{prefix}{}", $wire), &member, errs);
                        if errs.len() == before {
                            $( $( $crate::Field::check(&v, &$c, &member, errs); )* )?
                        }
                        v
                    };
                )*
                Self { $( $field, )* }
            }
        }

        impl $crate::field::Item for $name {
            fn decode_item(p: &$crate::Params, key: &str, member: &str, errs: &mut Vec<String>) -> Self {
                <Self as $crate::Struct>::decode_struct(p, &format!("{key}."), &format!("{member}."), errs)
            }
        }
    };
}
