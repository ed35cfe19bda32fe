//! The `Condition` element: operators, `…IfExists`, the `ForAnyValue:`/`ForAllValues:` set
//! qualifiers, and the missing-key rules.
//!
//! - Different operators, and different keys under one operator: AND.
//! - Several values for one key: OR for positive operators, NOR for negated ones.
//! - Key missing: positive operators false, negated operators true, `…IfExists` true,
//!   `ForAllValues` true, `ForAnyValue` false. To `ForAllValues`, a key whose values are all
//!   empty strings is missing too.
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html>

pub(crate) mod compare;

pub use compare::parse_date_millis;

use crate::{arn::ArnPattern, request::Context, variables::Template};

/// A comparison of the numeric or date families.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// `…Equals`.
    Eq,
    /// `…LessThan`.
    Lt,
    /// `…LessThanEquals`.
    Le,
    /// `…GreaterThan`.
    Gt,
    /// `…GreaterThanEquals`.
    Ge,
}

/// The operator family, positive form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// `StringEquals`.
    StringEquals,
    /// `StringEqualsIgnoreCase`.
    StringEqualsIgnoreCase,
    /// `StringLike`.
    StringLike,
    /// `Numeric…`.
    Numeric(Cmp),
    /// `Date…`.
    Date(Cmp),
    /// `Bool`.
    Bool,
    /// `BinaryEquals`.
    BinaryEquals,
    /// `IpAddress`.
    IpAddress,
    /// `ArnEquals` / `ArnLike` (the same test).
    ArnLike,
    /// `Null`.
    Null,
}

/// A set qualifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qualifier {
    /// `ForAnyValue:`.
    ForAnyValue,
    /// `ForAllValues:`.
    ForAllValues,
}

/// A parsed operator name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator {
    /// The family.
    pub base: Base,
    /// `…Not…` form.
    pub negated: bool,
    /// `…IfExists`.
    pub if_exists: bool,
    /// Set qualifier.
    pub qualifier: Option<Qualifier>,
}

impl Operator {
    /// Parses `ForAnyValue:StringNotLikeIfExists` and friends; `None` if unknown.
    pub fn parse(name: &str) -> Option<Self> {
        let (qualifier, rest) = if let Some(r) = name.strip_prefix("ForAnyValue:") {
            (Some(Qualifier::ForAnyValue), r)
        } else if let Some(r) = name.strip_prefix("ForAllValues:") {
            (Some(Qualifier::ForAllValues), r)
        } else {
            (None, name)
        };
        let (if_exists, rest) = match rest.strip_suffix("IfExists") {
            Some(r) if r != "Null" => (true, r),
            _ => (false, rest),
        };
        use Base::*;
        let (base, negated) = match rest {
            "StringEquals" => (StringEquals, false),
            "StringNotEquals" => (StringEquals, true),
            "StringEqualsIgnoreCase" => (StringEqualsIgnoreCase, false),
            "StringNotEqualsIgnoreCase" => (StringEqualsIgnoreCase, true),
            "StringLike" => (StringLike, false),
            "StringNotLike" => (StringLike, true),
            "NumericEquals" => (Numeric(Cmp::Eq), false),
            "NumericNotEquals" => (Numeric(Cmp::Eq), true),
            "NumericLessThan" => (Numeric(Cmp::Lt), false),
            "NumericLessThanEquals" => (Numeric(Cmp::Le), false),
            "NumericGreaterThan" => (Numeric(Cmp::Gt), false),
            "NumericGreaterThanEquals" => (Numeric(Cmp::Ge), false),
            "DateEquals" => (Date(Cmp::Eq), false),
            "DateNotEquals" => (Date(Cmp::Eq), true),
            "DateLessThan" => (Date(Cmp::Lt), false),
            "DateLessThanEquals" => (Date(Cmp::Le), false),
            "DateGreaterThan" => (Date(Cmp::Gt), false),
            "DateGreaterThanEquals" => (Date(Cmp::Ge), false),
            "Bool" => (Bool, false),
            "BinaryEquals" => (BinaryEquals, false),
            "IpAddress" => (IpAddress, false),
            "NotIpAddress" => (IpAddress, true),
            "ArnEquals" | "ArnLike" => (ArnLike, false),
            "ArnNotEquals" | "ArnNotLike" => (ArnLike, true),
            "Null" => (Null, false),
            _ => return None,
        };
        Some(Self {
            base,
            negated,
            if_exists,
            qualifier,
        })
    }
}

/// A policy-side value, compiled for its family.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// String families (variables allowed).
    Text(Template),
    /// Numeric.
    Number(f64),
    /// Date, unix milliseconds.
    Date(i128),
    /// Bool.
    Bool(bool),
    /// BinaryEquals: decoded bytes.
    Binary(Vec<u8>),
    /// IpAddress.
    Net(ipnet::IpNet),
    /// Arn*.
    Arn(ArnPattern),
    /// Null: `true` = must be absent.
    Null(bool),
}

/// One `operator: { key: values }` test.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    /// The operator.
    pub op: Operator,
    /// The operator as written (for explanations).
    pub op_name: String,
    /// The key, lowercased.
    pub key: String,
    /// The key as written (what GetContextKeys* report).
    pub key_name: String,
    /// The values (OR / NOR).
    pub values: Vec<Value>,
}

impl Clause {
    /// The keys this clause reads, as written: its own key, then its values' variables.
    pub fn context_keys(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.key_name.as_str()).chain(self.values.iter().flat_map(|v| {
            let vars: Box<dyn Iterator<Item = &str>> = match v {
                Value::Text(t) => Box::new(t.variables()),
                Value::Arn(a) => Box::new(a.variables()),
                _ => Box::new(std::iter::empty()),
            };
            vars
        }))
    }

    /// Evaluates against the context. `missing` collects keys the request lacked.
    pub fn holds(&self, ctx: &Context) -> bool {
        // An empty list is no value. An empty string is a value (`s3:prefix` is "" when
        // listing a bucket's root), except to ForAllValues, where it is a null data set.
        let present = ctx
            .get(&self.key)
            .map(|v| v.values())
            .filter(|v| !v.is_empty());
        if self.op.base == Base::Null {
            return self
                .values
                .iter()
                .any(|v| matches!(v, Value::Null(absent) if *absent == present.is_none()));
        }
        let Some(request_values) = present else {
            return match self.op.qualifier {
                Some(Qualifier::ForAllValues) => true,
                Some(Qualifier::ForAnyValue) => false,
                None => self.op.if_exists || self.op.negated,
            };
        };
        if self.op.qualifier == Some(Qualifier::ForAllValues)
            && request_values.iter().all(String::is_empty)
        {
            return true;
        }
        let matches_any_policy_value = |rv: &str| -> Option<bool> {
            let mut any = false;
            for pv in &self.values {
                if compare::positive(self.op.base, rv, pv, ctx)? {
                    any = true;
                }
            }
            Some(any)
        };
        // A request value that does not parse for the family makes the clause false.
        let mut per_value = Vec::with_capacity(request_values.len());
        for rv in request_values {
            match matches_any_policy_value(rv) {
                Some(m) => per_value.push(if self.op.negated { !m } else { m }),
                None => return false,
            }
        }
        match self.op.qualifier {
            Some(Qualifier::ForAllValues) => per_value.iter().all(|m| *m),
            Some(Qualifier::ForAnyValue) => per_value.iter().any(|m| *m),
            None if self.op.negated => per_value.iter().all(|m| *m),
            None => per_value.iter().any(|m| *m),
        }
    }
}
