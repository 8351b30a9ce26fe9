//! A cursor over parsed JSON that remembers its dotted path, so every rejection names the exact field.

use serde_json::{Map, Value};

use super::rejection::{Rejection, one_of};

/// One value inside the event, and where it sits (`detail.configuration.metrics[1].metricStat`).
#[derive(Clone)]
pub(super) struct Node<'a> {
    value: &'a Value,
    path: String,
}

impl<'a> Node<'a> {
    pub(super) fn root(value: &'a Value) -> Self {
        Node { value, path: String::new() }
    }

    pub(super) fn path(&self) -> &str {
        &self.path
    }

    /// A member that must be present. JSON `null` counts as present, so it is reported as the wrong type.
    pub(super) fn field(&self, key: &str) -> Result<Node<'a>, Rejection> {
        self.opt_raw(key)?.ok_or_else(|| Rejection::MissingField { field: self.child_path(key) })
    }

    /// A member that may be absent; `null` reads as absent because AWS sends both for "no value".
    pub(super) fn opt(&self, key: &str) -> Result<Option<Node<'a>>, Rejection> {
        Ok(self.opt_raw(key)?.filter(|child| !child.value.is_null()))
    }

    pub(super) fn str(&self, key: &str) -> Result<&'a str, Rejection> {
        self.field(key)?.as_str()
    }

    pub(super) fn opt_str(&self, key: &str) -> Result<Option<&'a str>, Rejection> {
        self.opt(key)?.map(|child| child.as_str()).transpose()
    }

    pub(super) fn as_str(&self) -> Result<&'a str, Rejection> {
        self.value.as_str().ok_or_else(|| self.wrong_type("a string"))
    }

    pub(super) fn as_object(&self) -> Result<&'a Map<String, Value>, Rejection> {
        self.value.as_object().ok_or_else(|| self.wrong_type("an object"))
    }

    pub(super) fn as_bool(&self) -> Result<bool, Rejection> {
        self.value.as_bool().ok_or_else(|| self.wrong_type("a boolean"))
    }

    pub(super) fn as_f64(&self) -> Result<f64, Rejection> {
        self.value.as_f64().ok_or_else(|| self.wrong_type("a number"))
    }

    /// Whether the object has member `key`, even `null`; false for anything that is not an object.
    pub(super) fn has(&self, key: &str) -> bool {
        self.value.as_object().is_some_and(|object| object.contains_key(key))
    }

    pub(super) fn as_u32(&self) -> Result<u32, Rejection> {
        let number = self.value.as_u64().ok_or_else(|| self.wrong_type("a whole number"))?;
        u32::try_from(number).map_err(|_| Rejection::bad_value(&self.path, "a number below 2^32", &number.to_string()))
    }

    /// A closed set of strings, parsed by `parse`; anything else is refused listing what `accepted` allows.
    pub(super) fn as_enum<T>(&self, parse: fn(&str) -> Option<T>, accepted: &[&str]) -> Result<T, Rejection> {
        let raw = self.as_str()?;
        parse(raw).ok_or_else(|| Rejection::bad_value(&self.path, one_of(accepted), raw))
    }

    /// The items of an array, each with its `[index]` path.
    pub(super) fn items(&self) -> Result<Vec<Node<'a>>, Rejection> {
        let items = self.value.as_array().ok_or_else(|| self.wrong_type("an array"))?;
        let item = |(index, value)| Node { value, path: format!("{}[{index}]", self.path) };
        Ok(items.iter().enumerate().map(item).collect())
    }

    /// The members of an object whose values must all be strings, as for dimensions.
    pub(super) fn string_map(&self) -> Result<Vec<(&'a str, &'a str)>, Rejection> {
        let member = |(key, value): (&'a String, &'a Value)| Ok((key.as_str(), self.member(key, value).as_str()?));
        self.as_object()?.iter().map(member).collect()
    }

    /// The members of an object with any value, non-strings written as JSON, as for Health metadata.
    pub(super) fn stringified_map(&self) -> Result<Vec<(String, String)>, Rejection> {
        let stringify = |value: &Value| value.as_str().map_or_else(|| value.to_string(), str::to_owned);
        Ok(self.as_object()?.iter().map(|(key, value)| (key.clone(), stringify(value))).collect())
    }

    fn opt_raw(&self, key: &str) -> Result<Option<Node<'a>>, Rejection> {
        let object = self.as_object()?;
        Ok(object.get(key).map(|value| self.member(key, value)))
    }

    fn member(&self, key: &str, value: &'a Value) -> Node<'a> {
        Node { value, path: self.child_path(key) }
    }

    fn child_path(&self, key: &str) -> String {
        if self.path.is_empty() { key.to_owned() } else { format!("{}.{key}", self.path) }
    }

    fn wrong_type(&self, expected: &'static str) -> Rejection {
        Rejection::WrongType { field: self.path.clone(), expected, got: kind_of(self.value) }
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_missing_member_is_named_by_its_full_path() {
        let value = json!({"detail": {"state": {}}});
        let state = Node::root(&value).field("detail").unwrap();
        let state = state.field("state").unwrap();
        let refused = state.str("value").err().unwrap();
        assert_eq!(refused, Rejection::MissingField { field: "detail.state.value".into() });
    }

    #[test]
    fn array_items_carry_their_index_in_the_path() {
        let value = json!({"metrics": [{"id": "m1"}, {"id": 2}]});
        let metrics = Node::root(&value).field("metrics").unwrap();
        let items = metrics.items().unwrap();
        let refused = items[1].str("id").err().unwrap();
        assert_eq!(refused.to_string(), "field `metrics[1].id`: expected a string, got a number");
    }

    #[test]
    fn null_reads_as_absent_for_optional_members() {
        let value = json!({"description": null});
        assert_eq!(Node::root(&value).opt_str("description").unwrap(), None);
    }

    #[test]
    fn a_non_object_root_is_called_the_event() {
        let value = json!([1, 2]);
        let refused = Node::root(&value).str("id").err().unwrap();
        assert_eq!(refused.to_string(), "the event: expected an object, got an array");
        assert_eq!(refused.field(), None);
    }
}
