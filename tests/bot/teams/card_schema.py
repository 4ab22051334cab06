"""The Adaptive Cards 1.4 schema, for the elements and actions Guild's cards use, as a JSON Schema.

Written from the Adaptive Cards 1.4 reference (element and action properties,
their enumerations) with ``additionalProperties: false``, so a misspelt or
newer property fails. An element of a type 1.4 does not know (Teams' chart
elements) is valid only with a ``fallback`` that is itself a valid 1.4 element
or ``"drop"``: that is how a 1.4 host treats it (it renders the fallback), so
the card a 1.4 client shows is always well formed.
"""

from __future__ import annotations

from typing import Any

import jsonschema

SPACING = {"enum": ["default", "none", "small", "medium", "large", "extraLarge", "padding",
                    "Default", "None", "Small", "Medium", "Large", "ExtraLarge", "Padding"]}
COMMON = {"id": {"type": "string"}, "spacing": SPACING, "separator": {"type": "boolean"},
          "isVisible": {"type": "boolean"}, "height": {"enum": ["auto", "stretch", "Auto", "Stretch"]},
          "requires": {"type": "object"}, "fallback": {"anyOf": [{"$ref": "#/$defs/element"}, {"const": "drop"}]}}
KNOWN = ["TextBlock", "FactSet", "Container", "ActionSet", "Image", "ColumnSet", "Input.Text", "Input.Date",
         "Input.Time", "Input.Number", "Input.ChoiceSet", "Input.Toggle"]
ALIGN = {"enum": ["left", "center", "right", "Left", "Center", "Right"]}
INPUT = {**COMMON, "label": {"type": "string"}, "isRequired": {"type": "boolean"},
         "errorMessage": {"type": "string"}}


def _element(kind: str, required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": ["type", *required], "additionalProperties": False,
            "properties": {"type": {"const": kind}, **COMMON, **properties}}


SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["type", "version", "body"],
    "additionalProperties": False,
    "properties": {
        "type": {"const": "AdaptiveCard"},
        "$schema": {"const": "http://adaptivecards.io/schemas/adaptive-card.json"},
        "version": {"const": "1.4"},
        "body": {"type": "array", "items": {"$ref": "#/$defs/element"}},
        "actions": {"type": "array", "items": {"$ref": "#/$defs/action"}},
        "msteams": {"type": "object"},  # Teams' own extension (width, mention entities)
    },
    "$defs": {
        "element": {"anyOf": [
            {"$ref": "#/$defs/TextBlock"}, {"$ref": "#/$defs/FactSet"}, {"$ref": "#/$defs/Container"},
            {"$ref": "#/$defs/ActionSet"}, {"$ref": "#/$defs/Image"}, {"$ref": "#/$defs/input"},
            {"$ref": "#/$defs/unknownWithFallback"},
        ]},
        "unknownWithFallback": {
            "type": "object", "required": ["type", "fallback"],
            "properties": {"type": {"type": "string", "not": {"enum": KNOWN}},
                           "fallback": {"anyOf": [{"$ref": "#/$defs/element"}, {"const": "drop"}]}},
        },
        "TextBlock": _element(
            "TextBlock", ["text"], text={"type": "string"}, wrap={"type": "boolean"},
            weight={"enum": ["default", "lighter", "bolder", "Default", "Lighter", "Bolder"]},
            size={"enum": ["default", "small", "medium", "large", "extraLarge",
                           "Default", "Small", "Medium", "Large", "ExtraLarge"]},
            isSubtle={"type": "boolean"}, maxLines={"type": "integer"}, horizontalAlignment=ALIGN,
            color={"enum": ["default", "dark", "light", "accent", "good", "warning", "attention",
                            "Default", "Dark", "Light", "Accent", "Good", "Warning", "Attention"]},
        ),
        "FactSet": _element("FactSet", ["facts"], facts={"type": "array", "items": {
            "type": "object", "required": ["title", "value"], "additionalProperties": False,
            "properties": {"title": {"type": "string"}, "value": {"type": "string"}}}}),
        "Container": _element(
            "Container", ["items"], items={"type": "array", "items": {"$ref": "#/$defs/element"}},
            style={"enum": ["default", "emphasis", "good", "attention", "warning", "accent"]},
            verticalContentAlignment={"enum": ["top", "center", "bottom", "Top", "Center", "Bottom"]},
        ),
        "ActionSet": _element("ActionSet", ["actions"],
                              actions={"type": "array", "items": {"$ref": "#/$defs/action"}}),
        "Image": _element(
            "Image", ["url"], url={"type": "string", "pattern": r"^(https?://|data:image/(png|jpeg|gif);base64,)"},
            altText={"type": "string"}, size={"enum": ["auto", "stretch", "small", "medium", "large",
                                                       "Auto", "Stretch", "Small", "Medium", "Large"]},
            style={"enum": ["default", "person", "Default", "Person"]}, horizontalAlignment=ALIGN,
            width={"type": "string"},
        ),
        "input": {"type": "object", "required": ["type", "id"],
                  "properties": {"type": {"enum": [k for k in KNOWN if k.startswith("Input.")]}}},
        "action": {
            "type": "object", "required": ["type"], "additionalProperties": False,
            "properties": {
                "type": {"enum": ["Action.Submit", "Action.OpenUrl"]}, "title": {"type": "string"},
                "data": {}, "url": {"type": "string"}, "id": {"type": "string"},
                "style": {"enum": ["default", "positive", "destructive"]},
            },
        },
    },
}


def validate(card: dict[str, Any]) -> None:
    """Raises ``jsonschema.ValidationError`` with the offending path when ``card`` is not a valid 1.4 card."""
    jsonschema.Draft202012Validator(SCHEMA).validate(card)
