//! Hostile but valid-looking JSON for the `jsonrpc_lines` target: request params built from the
//! protocol's own field names, whose values are mostly plausible for the field (so requests get
//! past parsing into the handlers) and sometimes of the wrong kind, size or spelling.

use arbitrary::{Arbitrary, Result, Unstructured};
use serde_json::{Map, Number, Value, json};

/// Client methods with the params each requires.
const METHODS: &[(&str, &[&str])] = &[
    ("initialize", &["clientInfo"]),
    ("thread/start", &[]),
    ("thread/resume", &["threadId"]),
    ("thread/fork", &["threadId"]),
    ("thread/read", &["threadId", "includeTurns"]),
    ("thread/list", &[]),
    ("thread/loaded/list", &[]),
    ("thread/archive", &["threadId"]),
    ("thread/unarchive", &["threadId"]),
    ("thread/delete", &["threadId"]),
    ("thread/unsubscribe", &["threadId"]),
    ("thread/name/set", &["threadId", "name"]),
    ("thread/compact/start", &["threadId"]),
    ("thread/turns/list", &["threadId"]),
    ("turn/start", &["threadId", "input"]),
    ("turn/steer", &["threadId", "input", "expectedTurnId"]),
    ("turn/interrupt", &["threadId", "turnId"]),
    ("model/list", &[]),
];

/// Methods a client may send that the engine must refuse: experimental ones gated off, a
/// notification's name, nothing.
const ODD_METHODS: &[(&str, &[&str])] = &[("thread/queue/add", &["threadId"]), ("initialized", &[]), ("", &[])];

/// Param names of the methods above (and of their nested objects).
const KEYS: &[&str] = &[
    "threadId",
    "turnId",
    "expectedTurnId",
    "input",
    "cursor",
    "limit",
    "sortKey",
    "sortDirection",
    "archived",
    "cwd",
    "modelProviders",
    "sourceKinds",
    "searchTerm",
    "includeTurns",
    "excludeTurns",
    "model",
    "modelProvider",
    "baseInstructions",
    "developerInstructions",
    "ephemeral",
    "dynamicTools",
    "name",
    "newThreadId",
    "lastTurnId",
    "beforeTurnId",
    "history",
    "path",
    "itemsView",
    "clientUserMessageId",
    "effort",
    "summary",
    "outputSchema",
    "includeHidden",
    "clientInfo",
    "capabilities",
    "type",
    "text",
];

/// Words the protocol gives meaning to, and text that tends to break things.
const WORDS: &[&str] = &[
    "",
    "recency_at",
    "created_at",
    "updated_at",
    "asc",
    "desc",
    "full",
    "summary",
    "notLoaded",
    "text",
    "image",
    "function",
    "namespace",
    "cli",
    "vscode",
    "data:image/png;base64,AAAA",
    "http://127.0.0.1/x.png",
    "2023-11-14T22:13:20Z",
    "9999-12-31T23:59:59Z|",
    "{\"turnId\":\"x\",\"includeAnchor\":true}",
    "18446744073709551616",
    "h\u{e9}\u{1f600}\u{0}\u{202e}",
    "urn:uuid:",
];

/// Which ids the engine handed out a [`Json::SeenId`] means.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub(super) enum IdKind {
    Thread,
    Turn,
}

/// Thread and turn ids the engine has written so far, for later requests to name.
#[derive(Debug, Default)]
pub(super) struct Seen {
    threads: Vec<String>,
    turns: Vec<String>,
}

/// Ids remembered of each kind.
const MAX_SEEN: usize = 32;

impl Seen {
    /// Remembers the ids in one message from the engine: `threadId`/`turnId` members, and the `id`
    /// of thread objects (they have a `sessionId`) and turn objects (they have `items`).
    pub fn remember(&mut self, value: &Value) {
        self.walk("", value);
    }

    fn walk(&mut self, key: &str, value: &Value) {
        match value {
            Value::String(id) if id.len() == 36 => match key {
                "threadId" | "forkedFromId" | "data" => remember(&mut self.threads, id),
                "turnId" | "expectedTurnId" => remember(&mut self.turns, id),
                _ => {}
            },
            Value::Array(items) => items.iter().for_each(|item| self.walk(key, item)),
            Value::Object(fields) => {
                let kind = if fields.contains_key("sessionId") {
                    "threadId"
                } else if fields.contains_key("items") {
                    "turnId"
                } else {
                    ""
                };
                for (name, field) in fields {
                    self.walk(if name == "id" { kind } else { name }, field);
                }
            }
            _ => {}
        }
    }

    fn get(&self, kind: IdKind, index: u8) -> &str {
        let ids = match kind {
            IdKind::Thread => &self.threads,
            IdKind::Turn => &self.turns,
        };
        match ids.len() {
            0 => "no-id-yet",
            len => ids.get(usize::from(index) % len).map_or("", String::as_str),
        }
    }
}

fn remember(ids: &mut Vec<String>, id: &str) {
    if ids.len() < MAX_SEEN && !ids.iter().any(|known| known == id) {
        ids.push(id.to_owned());
    }
}

/// A JSON value that may name an id the engine handed out earlier, resolved when sent.
#[derive(Debug, Clone)]
pub(super) enum Json {
    Plain(Value),
    /// The n-th id of a kind seen so far (modulo), in the given spelling.
    SeenId(IdKind, u8, Spelling),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// The spellings a client may use for a UUID (PROTOCOL.md §5).
#[derive(Debug, Clone, Copy, Arbitrary)]
pub(super) enum Spelling {
    Canonical,
    Upper,
    Simple,
    Braced,
    Urn,
    /// One character short.
    Truncated,
}

impl Json {
    /// The value with seen ids filled in.
    pub fn resolve(&self, seen: &Seen) -> Value {
        match self {
            Json::Plain(value) => value.clone(),
            Json::SeenId(kind, index, spelling) => Value::String(spell(seen.get(*kind, *index), *spelling)),
            Json::Array(items) => Value::Array(items.iter().map(|item| item.resolve(seen)).collect()),
            Json::Object(fields) => Value::Object(
                fields.iter().map(|(key, value)| (key.clone(), value.resolve(seen))).collect::<Map<_, _>>(),
            ),
        }
    }
}

fn spell(id: &str, spelling: Spelling) -> String {
    match spelling {
        Spelling::Canonical => id.to_owned(),
        Spelling::Upper => id.to_uppercase(),
        Spelling::Simple => id.replace('-', ""),
        Spelling::Braced => format!("{{{id}}}"),
        Spelling::Urn => format!("urn:uuid:{id}"),
        Spelling::Truncated => id.chars().skip(1).collect(),
    }
}

/// Nesting stops here; deeper values are scalars.
const MAX_DEPTH: u32 = 4;

/// A method and its params: mostly an object with the fields the method requires (so requests get
/// past parsing into the handlers) and a few others.
pub(super) fn request(u: &mut Unstructured) -> Result<(&'static str, Option<Json>)> {
    let methods = if u.ratio(1, 16)? { ODD_METHODS } else { METHODS };
    let &(method, required) = u.choose(methods)?;
    let params = match u.int_in_range(0..=15u8)? {
        0 => None,
        1 => Some(any(u, 0)?),
        2 => Some(object(u, 0)?),
        _ => {
            let mut fields = Vec::new();
            for key in required {
                if u.ratio(15, 16)? {
                    fields.push((key.to_string(), fit(u, key, 1)?));
                }
            }
            if let Json::Object(extra) = object(u, 0)? {
                fields.extend(extra.into_iter().take(3));
            }
            Some(Json::Object(fields))
        }
    };
    Ok((method, params))
}

/// An object of known keys (now and then another), values mostly fit for their key.
fn object(u: &mut Unstructured, depth: u32) -> Result<Json> {
    let mut fields = Vec::new();
    for _ in 0..u.int_in_range(0..=6u8)? {
        let key = if u.ratio(1, 16)? { String::arbitrary(u)? } else { u.choose(KEYS)?.to_string() };
        let value = if u.ratio(3, 4)? { fit(u, &key, depth + 1)? } else { any(u, depth + 1)? };
        fields.push((key, value));
    }
    Ok(Json::Object(fields))
}

/// A value of the shape `key` expects, with hostile contents.
fn fit(u: &mut Unstructured, key: &str, depth: u32) -> Result<Json> {
    Ok(match key {
        "threadId" | "newThreadId" => seen_or_like(u, IdKind::Thread)?,
        "turnId" | "expectedTurnId" | "lastTurnId" | "beforeTurnId" => seen_or_like(u, IdKind::Turn)?,
        "input" => {
            let mut parts = Vec::new();
            for _ in 0..u.int_in_range(0..=3u8)? {
                parts.push(input_part(u)?);
            }
            Json::Array(parts)
        }
        "limit" => Json::Plain(number(u)?),
        "dynamicTools" => Json::Plain(super::host::dynamic_tools()),
        "clientInfo" if u.ratio(3, 4)? => Json::Plain(json!({"name": text(u)?, "title": null, "version": text(u)?})),
        "clientInfo" | "capabilities" | "outputSchema" if depth < MAX_DEPTH => object(u, depth)?,
        "includeTurns" | "excludeTurns" | "archived" | "ephemeral" | "includeHidden" => {
            Json::Plain(Value::Bool(bool::arbitrary(u)?))
        }
        _ => Json::Plain(Value::String(text(u)?)),
    })
}

/// Mostly an id the engine handed out, in some spelling; else something close to a UUID.
fn seen_or_like(u: &mut Unstructured, kind: IdKind) -> Result<Json> {
    Ok(if u.ratio(7, 8)? {
        let spelling = if u.ratio(3, 4)? { Spelling::Canonical } else { Spelling::arbitrary(u)? };
        Json::SeenId(kind, u8::arbitrary(u)?, spelling)
    } else {
        Json::Plain(Value::String(uuid_like(u)?))
    })
}

/// One `UserInput` part, mostly text.
fn input_part(u: &mut Unstructured) -> Result<Json> {
    let mut part = Map::new();
    if u.ratio(4, 5)? {
        part.insert("type".into(), "text".into());
        part.insert("text".into(), Value::String(text(u)?));
        part.insert("text_elements".into(), Value::Array(Vec::new()));
    } else {
        part.insert("type".into(), "image".into());
        part.insert("url".into(), Value::String(text(u)?));
    }
    Ok(Json::Plain(Value::Object(part)))
}

/// Any JSON at all.
pub(super) fn any(u: &mut Unstructured, depth: u32) -> Result<Json> {
    let top = if depth < MAX_DEPTH { 7 } else { 5 };
    Ok(match u.int_in_range(0..=top)? {
        0 => Json::Plain(Value::Null),
        1 => Json::Plain(Value::Bool(bool::arbitrary(u)?)),
        2 => Json::Plain(number(u)?),
        3 | 4 => Json::Plain(Value::String(text(u)?)),
        5 => Json::SeenId(IdKind::arbitrary(u)?, u8::arbitrary(u)?, Spelling::arbitrary(u)?),
        6 => {
            let mut items = Vec::new();
            for _ in 0..u.int_in_range(0..=3u8)? {
                items.push(any(u, depth + 1)?);
            }
            Json::Array(items)
        }
        _ => object(u, depth)?,
    })
}

/// Numbers at the edges of the types params use.
fn number(u: &mut Unstructured) -> Result<Value> {
    Ok(match u.int_in_range(0..=7u8)? {
        0 => Value::from(i64::arbitrary(u)?),
        1 => Value::from(u64::MAX),
        2 => Value::from(u64::from(u32::MAX) + 1),
        3 => Value::from(-1),
        4 => Value::from(0),
        5 => Number::from_f64(f64::arbitrary(u)?).map_or(Value::Null, Value::Number),
        _ => Value::from(u8::arbitrary(u)?),
    })
}

/// A protocol word, arbitrary text, or a long run of one character.
fn text(u: &mut Unstructured) -> Result<String> {
    Ok(match u.int_in_range(0..=5u8)? {
        0 | 1 => u.choose(WORDS)?.to_string(),
        2 => char::arbitrary(u)?.to_string().repeat(usize::from(u16::arbitrary(u)? % 2048)),
        _ => String::arbitrary(u)?,
    })
}

/// Something close to a UUID: the bytes of one in some spelling, with an edit.
fn uuid_like(u: &mut Unstructured) -> Result<String> {
    let id = uuid::Uuid::from_u128(u128::arbitrary(u)?).hyphenated().to_string();
    let mut id = spell(&id, Spelling::arbitrary(u)?);
    if u.ratio(1, 3)? && !id.is_empty() {
        let at = usize::from(u8::arbitrary(u)?) % id.len();
        if id.is_char_boundary(at) {
            id.insert(at, char::arbitrary(u)?);
        }
    }
    Ok(id)
}
