# to_yaml: a JSON value as block-style YAML text (jq 1.6), for generated
# manifests that people read: `jq -r -L scripts 'include "to-yaml"; to_yaml'`.
# Keys and strings stay plain when YAML reads them back as the same string;
# anything else is written as a JSON string, which is valid YAML.

def _yaml_special:
  ascii_downcase | IN("true", "false", "null", "yes", "no", "on", "off", "y", "n", "~", "");

def _yaml_key:
  if test("^[A-Za-z_][A-Za-z0-9_./-]*$") and (_yaml_special | not) then . else tojson end;

def _yaml_inline:
  if type == "object" then "{}"
  elif type == "array" then "[]"
  elif type == "string" then
    (if test("^[A-Za-z/_][A-Za-z0-9_./-]*$") and (_yaml_special | not) then . else tojson end)
  else tojson end;

def _yaml_block($p):
  if type == "object" and length > 0 then
    to_entries | map(
      if (.value | type) as $t | ($t == "object" or $t == "array") and (.value | length) > 0
      then "\($p)\(.key | _yaml_key):\n" + (.value | _yaml_block($p + "  "))
      else "\($p)\(.key | _yaml_key): \(.value | _yaml_inline)\n" end) | add
  elif type == "array" and length > 0 then
    map(
      if type == "object" and length > 0 then
        _yaml_block($p + "  ") | "\($p)- " + .[($p | length) + 2:]
      elif type == "array" and length > 0 then "\($p)-\n" + _yaml_block($p + "  ")
      else "\($p)- \(_yaml_inline)\n" end) | add
  else _yaml_inline + "\n" end;

def to_yaml: _yaml_block("");
