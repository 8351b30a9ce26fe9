//! CBOR ⇄ JSON for the fronts: requests decode to the JSON moto's protocol reads, answers encode as the SDK reads.
//!
//! JSON has no timestamp type and does not tell a double `1.0` from an integer `1`, while the SDK's CBOR decoder
//! is strict about both (a timestamp member must be tag 1, a double member must be a CBOR float, an integer
//! member a CBOR integer). So encoding takes a `Members` function that names the kind of each member by its key;
//! decoding needs none, because the SDK sends every value with its CBOR type.

use ciborium::Value as Cbor;
use serde_json::{Map, Number, Value};

/// How to encode a JSON value found under a member name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Member {
    /// Whatever JSON says: integers as CBOR integers, other numbers as floats.
    Plain,
    /// Tag 1 around epoch seconds; a number or an RFC 3339 string in JSON.
    Timestamp,
    /// A CBOR float even when JSON wrote it as an integer; in a map, each value.
    Double,
    /// A CBOR integer even when JSON wrote it as `60.0`.
    Integer,
}

/// Names the kind of a member from its key, for one service's answers.
pub type Members = fn(&str) -> Member;

/// RFC 8949 tag for epoch-based date/time, the only timestamp form Smithy RPC v2 CBOR uses.
const EPOCH_TAG: u64 = 1;

/// Decodes a request body. An empty body is an empty structure, as the SDK sends for inputs without members.
pub fn decode(bytes: &[u8]) -> Result<Value, String> {
    if bytes.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let cbor: Cbor = ciborium::de::from_reader(bytes).map_err(|e| format!("not CBOR: {e}"))?;
    to_json(cbor)
}

/// Encodes an answer, typing each member by `members`.
pub fn encode(value: &Value, members: Members) -> Vec<u8> {
    let mut bytes = Vec::new();
    ciborium::ser::into_writer(&to_cbor(value, Member::Plain, members), &mut bytes).expect("CBOR into a Vec");
    bytes
}

fn to_json(cbor: Cbor) -> Result<Value, String> {
    Ok(match cbor {
        Cbor::Null => Value::Null,
        Cbor::Bool(b) => Value::Bool(b),
        Cbor::Text(s) => Value::String(s),
        Cbor::Integer(i) => integer_json(i128::from(i))?,
        Cbor::Float(f) => float_json(f),
        // moto's JSON protocol reads timestamps as epoch seconds, which is exactly what tag 1 wraps; the
        // SDK sends no other tag to these services.
        Cbor::Tag(_, inner) => to_json(*inner)?,
        // Blobs travel base64-encoded in the JSON protocols.
        Cbor::Bytes(bytes) => Value::String(base64(&bytes)),
        Cbor::Array(items) => Value::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?),
        Cbor::Map(pairs) => {
            let mut map = Map::new();
            for (key, value) in pairs {
                let Cbor::Text(key) = key else { return Err(format!("a map key that is not text: {key:?}")) };
                map.insert(key, to_json(value)?);
            }
            Value::Object(map)
        }
        other => return Err(format!("an unsupported CBOR item: {other:?}")),
    })
}

fn integer_json(i: i128) -> Result<Value, String> {
    if let Ok(i) = i64::try_from(i) {
        Ok(Value::from(i))
    } else if let Ok(u) = u64::try_from(i) {
        Ok(Value::from(u))
    } else {
        Err(format!("an integer beyond 64 bits: {i}"))
    }
}

/// NaN and infinities have no JSON form; CloudWatch rejects them anyway, so null lets moto say so.
fn float_json(f: f64) -> Value {
    Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null)
}

fn to_cbor(value: &Value, kind: Member, members: Members) -> Cbor {
    match value {
        Value::Null => Cbor::Null,
        Value::Bool(b) => Cbor::Bool(*b),
        Value::Number(n) => number_cbor(n, kind),
        Value::String(s) if kind == Member::Timestamp => match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(t) => Cbor::Tag(EPOCH_TAG, Box::new(Cbor::Float(t.timestamp_millis() as f64 / 1000.0))),
            // Left as text so the SDK's decoder fails loudly on a timestamp this front could not read.
            Err(_) => Cbor::Text(s.clone()),
        },
        Value::String(s) => Cbor::Text(s.clone()),
        Value::Array(items) => Cbor::Array(items.iter().map(|item| to_cbor(item, kind, members)).collect()),
        Value::Object(map) => Cbor::Map(
            map.iter()
                .map(|(key, value)| {
                    // A double-valued map (like ExtendedStatistics) keys its values by statistic, not member name.
                    let member = if kind == Member::Double { Member::Double } else { members(key) };
                    (Cbor::Text(key.clone()), to_cbor(value, member, members))
                })
                .collect(),
        ),
    }
}

fn number_cbor(n: &Number, kind: Member) -> Cbor {
    let plain = || match (n.as_i64(), n.as_u64()) {
        (Some(i), _) => Cbor::Integer(i.into()),
        (None, Some(u)) => Cbor::Integer(u.into()),
        _ => Cbor::Float(n.as_f64().unwrap_or(f64::NAN)),
    };
    match kind {
        Member::Plain => plain(),
        Member::Timestamp => Cbor::Tag(EPOCH_TAG, Box::new(plain())),
        Member::Double => Cbor::Float(n.as_f64().unwrap_or(f64::NAN)),
        Member::Integer => match n.as_f64() {
            Some(f) if n.as_i64().is_none() && f.fract() == 0.0 => Cbor::Integer((f as i64).into()),
            _ => plain(),
        },
    }
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
