#!/usr/bin/env python3
"""Copies the JSON schemas the manifests need into this folder (README.md says from where).

    vendor.py KUBERNETES_VALIDATE_CHECKOUT CRDS_CATALOG_CHECKOUT

Kubernetes: the v1.32.0 "local-strict" schemas of willthames/kubernetes-validate (every object
closed with additionalProperties: false), only the kinds listed below, and of their shared
_definitions.json only the definitions those kinds reach. CRDs: datreeio/CRDs-catalog files as
they are. Add a kind here when a manifest starts using it; ManifestSchemaTest fails until then.
"""
import json
import pathlib
import re
import shutil
import sys

KUBERNETES = [
    "namespace-v1", "configmap-v1", "serviceaccount-v1", "service-v1",
    "deployment-apps-v1", "ingress-networking-v1", "horizontalpodautoscaler-autoscaling-v2",
    "poddisruptionbudget-policy-v1", "networkpolicy-networking-v1",
]
CRDS = [
    "keda.sh/scaledobject_v1alpha1.json", "keda.sh/triggerauthentication_v1alpha1.json",
    "kafka.strimzi.io/kafka_v1.json", "kafka.strimzi.io/kafkanodepool_v1.json",
    "kafka.strimzi.io/kafkatopic_v1.json", "postgresql.cnpg.io/cluster_v1.json",
]
REF = re.compile(r'"\$ref":\s*"(?:/api/_definitions\.json)?#/\$defs/([^"]+)"')


def main(validate_repo, crds_repo):
    here = pathlib.Path(__file__).resolve().parent
    source = pathlib.Path(validate_repo) / "src/kubernetes_validate/kubernetes-json-schema/v1.32.0-local-strict"
    target = here / "kubernetes-1.32"
    target.mkdir(exist_ok=True)
    definitions = json.loads((source / "_definitions.json").read_text())
    wanted, todo = set(), []
    for kind in KUBERNETES:
        text = (source / f"{kind}.json").read_text()
        (target / f"{kind}.json").write_text(text)
        todo += REF.findall(text)
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo += REF.findall(json.dumps(definitions["$defs"][name]))
    definitions["$defs"] = {k: v for k, v in sorted(definitions["$defs"].items()) if k in wanted}
    (target / "_definitions.json").write_text(json.dumps(definitions, indent=1) + "\n")
    for crd in CRDS:
        destination = here / "crds" / crd
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(pathlib.Path(crds_repo) / crd, destination)


if __name__ == "__main__":
    main(*sys.argv[1:])
