//! `model/list` (PROTOCOL.md §4.17, transcript 12): the host's catalog or one default entry, an
//! offset cursor, hidden entries on request.

use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use spindle_core::EngineOptions;

use crate::support::golden;
use crate::support::{Client, engine, engine_with, test_options};

const TRANSCRIPT: &str = "12_model_list";

/// A client of an engine whose options JSON (as a binding passes it) carries `models`.
fn with_catalog(models: Value) -> (spindle_core::Engine, Client) {
    let mut options = serde_json::to_value(test_options()).unwrap();
    options["models"] = models;
    let options = EngineOptions::from_json(&options.to_string()).expect("valid options");
    let engine = engine_with(options, None, None);
    let client = Client::initialized(&engine);
    (engine, client)
}

fn model_ids(answer: &Value) -> Vec<String> {
    let data = answer["result"]["data"].as_array().unwrap_or_else(|| panic!("a page: {answer}"));
    data.iter().map(|model| model["id"].as_str().unwrap().to_owned()).collect()
}

/// A catalog entry with only the keys the schema requires.
fn minimal(id: &str, hidden: bool) -> Value {
    json!({"id": id, "model": id, "displayName": id, "description": "", "hidden": hidden,
        "supportedReasoningEfforts": [], "defaultReasoningEffort": "medium", "isDefault": false})
}

#[test]
fn model_list_serves_the_host_catalog_exactly_like_transcript_12() {
    let golden_all = golden::response(TRANSCRIPT, 2);
    let (_engine, mut client) = with_catalog(golden_all["result"]["data"].clone());
    let all = client.request("model/list", json!({}));
    assert_eq!(all, golden_all);
    // Key order too, as 0.169 writes it.
    let keys = |model: &Value| model.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&all["result"]["data"][0]), keys(&golden_all["result"]["data"][0]));
    assert_eq!(client.request("model/list", json!({"limit": 1})), golden::response(TRANSCRIPT, 3));
}

#[test]
fn model_list_without_a_host_catalog_serves_one_default_entry_for_the_engine_model() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let answer = client.request("model/list", json!({}));
    assert_eq!(answer["result"]["nextCursor"], Value::Null);
    let models = answer["result"]["data"].as_array().unwrap();
    assert_eq!(models.len(), 1);
    let model = &models[0];
    assert_eq!(
        (&model["id"], &model["model"], &model["isDefault"], &model["hidden"], &model["defaultReasoningEffort"]),
        (&json!("mock-model"), &json!("mock-model"), &json!(true), &json!(false), &json!("medium"))
    );
    let efforts: Vec<&Value> =
        model["supportedReasoningEfforts"].as_array().unwrap().iter().map(|e| &e["reasoningEffort"]).collect();
    assert_eq!(efforts, [&json!("low"), &json!("medium"), &json!("high")]);
    let golden_model = &golden::response(TRANSCRIPT, 2)["result"]["data"][0];
    let keys = |model: &Value| model.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(model), keys(golden_model));
}

#[test]
fn model_list_fills_schema_defaults_of_a_minimal_host_entry() {
    let (_engine, mut client) = with_catalog(json!([minimal("a", false)]));
    let model = client.request("model/list", json!({}))["result"]["data"][0].clone();
    assert_eq!(
        model,
        json!({"id": "a", "model": "a", "upgrade": null, "upgradeInfo": null, "availabilityNux": null,
            "displayName": "a", "description": "", "modelSpecialty": null, "hidden": false,
            "supportedReasoningEfforts": [], "defaultReasoningEffort": "medium", "inputModalities": ["text", "image"],
            "supportsPersonality": false, "multiAgentVersion": null, "additionalSpeedTiers": [], "serviceTiers": [],
            "defaultServiceTier": null, "availableAccessPrograms": null, "isDefault": false})
    );
}

#[test]
fn model_list_leaves_hidden_entries_out_unless_asked() {
    let (_engine, mut client) =
        with_catalog(json!([minimal("a", false), minimal("secret", true), minimal("b", false)]));
    assert_eq!(model_ids(&client.request("model/list", json!({}))), ["a", "b"]);
    assert_eq!(model_ids(&client.request("model/list", json!({"includeHidden": false}))), ["a", "b"]);
    assert_eq!(model_ids(&client.request("model/list", json!({"includeHidden": true}))), ["a", "secret", "b"]);
}

#[test]
fn model_list_pages_by_offset_cursor() {
    let (_engine, mut client) = with_catalog(json!(["a", "b", "c"].map(|id| minimal(id, false))));
    let first = client.request("model/list", json!({"limit": 2}));
    assert_eq!(
        (model_ids(&first), &first["result"]["nextCursor"]),
        (vec!["a".to_owned(), "b".to_owned()], &json!("2"))
    );
    let rest = client.request("model/list", json!({"limit": 2, "cursor": "2"}));
    assert_eq!((model_ids(&rest), &rest["result"]["nextCursor"]), (vec!["c".to_owned()], &Value::Null));
    assert_eq!(model_ids(&client.request("model/list", json!({"limit": 0}))), ["a"]);
    assert_eq!(model_ids(&client.request("model/list", json!({"cursor": "3"}))), Vec::<String>::new());
}

#[test]
fn model_list_rejects_bad_cursors_with_upstream_texts() {
    let (_engine, mut client) = with_catalog(json!([minimal("a", false)]));
    assert_eq!(
        client.request("model/list", json!({"cursor": "x"}))["error"],
        json!({"code": -32600, "message": "invalid cursor: x"})
    );
    assert_eq!(
        client.request("model/list", json!({"cursor": "5"}))["error"],
        json!({"code": -32600, "message": "cursor 5 exceeds total models 1"})
    );
}

#[test]
fn engine_options_refuse_a_catalog_entry_without_required_keys() {
    let error = EngineOptions::from_json(r#"{"models": [{"id": "a"}]}"#).unwrap_err();
    assert!(error.starts_with("invalid engine options: missing field `model`"), "{error}");
}
