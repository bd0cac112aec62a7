#!/usr/bin/env python3
"""Vendors the JSON schemas the deploy tests validate against, so the check runs offline.

- compose-spec.json: the Compose Specification's schema as Docker Compose itself embeds it,
  from the Go module github.com/compose-spec/compose-go/v2 (schema/compose-spec.json, Apache-2.0),
  fetched by `go mod download` from the Go module proxy.
- k8s/<version>/<kind>.json: the Kubernetes OpenAPI schemas of one pinned version for the kinds
  deploy/k8s/ uses, from the PyPI package kubernetes-validate (Apache-2.0; its strict variant
  rejects unknown fields), each made standalone (only the definitions it references).

Run from the repository root: python3 deploy/schemas/vendor.py (needs go, pip; writes only here).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

COMPOSE_GO = "github.com/compose-spec/compose-go/v2@v2.16.2"
KUBERNETES_VALIDATE = "kubernetes-validate==1.37.0"
K8S_VERSION = "v1.35.0"
KINDS = {
    "namespace-v1": "Namespace",
    "configmap-v1": "ConfigMap",
    "secret-v1": "Secret",
    "persistentvolumeclaim-v1": "PersistentVolumeClaim",
    "service-v1": "Service",
    "deployment-apps-v1": "Deployment",
}
here = os.path.dirname(os.path.abspath(__file__))


def compose_schema():
    env = dict(os.environ, GOFLAGS="-mod=mod", GOTOOLCHAIN="auto")
    out = subprocess.run(["go", "mod", "download", "-json", COMPOSE_GO], env=env, check=True,
                         capture_output=True, text=True).stdout
    src = json.loads(out)["Dir"]
    with open(os.path.join(src, "schema", "compose-spec.json")) as f:
        schema = json.load(f)
    schema["$comment"] = f"vendored from {COMPOSE_GO} schema/compose-spec.json by deploy/schemas/vendor.py"
    with open(os.path.join(here, "compose-spec.json"), "w") as f:
        json.dump(schema, f, indent=2)
        f.write("\n")


def k8s_schemas():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp,
                        KUBERNETES_VALIDATE], check=True)
        wheel = next(os.path.join(tmp, n) for n in os.listdir(tmp) if n.endswith(".whl"))
        z = zipfile.ZipFile(wheel)
        base = f"kubernetes_validate/kubernetes-json-schema/{K8S_VERSION}-local-strict/"
        definitions = json.loads(z.read(base + "_definitions.json"))["$defs"]
        out_dir = os.path.join(here, "k8s", K8S_VERSION)
        os.makedirs(out_dir, exist_ok=True)
        ref = re.compile(r'"\$ref": "(?:/api/_definitions\.json)?#/\$defs/([^"]+)"')
        for name, kind in KINDS.items():
            text = z.read(base + name + ".json").decode()
            needed, todo = {}, ref.findall(text)
            while todo:
                key = todo.pop()
                if key in needed:
                    continue
                needed[key] = definitions[key]
                todo.extend(ref.findall(json.dumps(definitions[key])))
            schema = json.loads(ref.sub(r'"$ref": "#/$defs/\1"', text))
            schema["$defs"] = json.loads(ref.sub(r'"$ref": "#/$defs/\1"', json.dumps(needed)))
            schema.pop("$id", None)
            schema["$comment"] = f"{kind} of Kubernetes {K8S_VERSION} (strict), from {KUBERNETES_VALIDATE} by deploy/schemas/vendor.py"
            with open(os.path.join(out_dir, f"{kind}.json"), "w") as f:
                json.dump(schema, f, indent=1, sort_keys=True)
                f.write("\n")


if __name__ == "__main__":
    compose_schema()
    k8s_schemas()
    print("vendored compose-spec.json and", len(KINDS), "Kubernetes", K8S_VERSION, "schemas into", here)
