"""Runs a batch of EZKL 23.0.5 calls for pocompute and writes their results as JSON.

Usage: python ezkl_worker.py <request.json> <result.json>
       python ezkl_worker.py -

The request is {"ops": [{"op": name, "args": {...}}, ...]}; ops run in order and the batch stops at
the first failure. With "-" the request is read from stdin once EZKL is imported, and names its
result file ("result": path): pocompute starts the worker before its ops are known, and an empty
stdin (the ops were never sent) runs nothing and writes nothing.
Each result carries its op's own time in ms. EZKL prints its own logs to stdout/stderr, so results
travel through a file.
The process ends with os._exit: EZKL's pyo3 runtime aborts during normal interpreter shutdown.
"""
import asyncio
import inspect
import json
import os
import sys
import time
import traceback


def _run_args(args):
    import ezkl

    run_args = ezkl.PyRunArgs()
    run_args.input_visibility = args["input_visibility"]
    run_args.output_visibility = args["output_visibility"]
    run_args.param_visibility = args["param_visibility"]
    # The circuit-shape fields the optimiser searches over (src/prover/optimizer/).
    for field in ("num_inner_cols", "decomp_base", "decomp_legs", "input_scale", "param_scale",
                  "scale_rebase_multiplier", "bounded_log_lookup", "logrows", "disable_freivalds"):
        if args.get(field) is not None:
            setattr(run_args, field, args[field])
    return run_args


def _canonical_settings(path):
    """EZKL lists a circuit's range checks (and lookups) in hash-set order, which changes from run to
    run; the circuit lays out one table per entry in that order, so the same model compiled twice
    got two verifying keys. Sorted, the order carries no information and the key is reproducible."""
    with open(path) as f:
        settings = json.load(f)
    settings["required_range_checks"] = sorted(settings.get("required_range_checks", []))
    settings["required_lookups"] = sorted(settings.get("required_lookups", []),
                                          key=lambda item: json.dumps(item, sort_keys=True))
    with open(path + ".tmp", "w") as f:
        json.dump(settings, f)
    os.replace(path + ".tmp", path)


def _run_async(call):
    """Some EZKL bindings are async and need a running event loop when called; others return at once."""
    async def run():
        value = call()
        return (await value) if inspect.isawaitable(value) else value
    return asyncio.run(run())


def _attempt(work):
    """A candidate the optimiser tries: EZKL's refusal is an answer, not a failed batch."""
    try:
        return {"ok": True, "value": work()}
    except Exception as exc:  # a pyo3 panic (BaseException) still ends the batch, as for any op
        return {"ok": False, "error": str(exc)}


def run_op(op, a):
    import ezkl

    if op == "version":
        from importlib.metadata import version
        return {"ezkl": version("ezkl"), "python": sys.version.split()[0]}
    if op == "gen_settings":
        value = ezkl.gen_settings(a["model"], a["settings"], py_run_args=_run_args(a))
        _canonical_settings(a["settings"])
        return value
    if op == "calibrate_settings":
        value = _run_async(lambda: ezkl.calibrate_settings(
            a["data"], a["model"], a["settings"], a.get("target", "resources"),
            lookup_safety_margin=float(a.get("lookup_safety_margin", 2.0)), scales=a.get("scales"),
            scale_rebase_multiplier=a.get("scale_rebase_multiplier", [1]), max_logrows=a.get("max_logrows")))
        _canonical_settings(a["settings"])
        return value
    if op == "try_settings":
        # gen_settings + calibrate_settings at fixed scales: EZKL sizes the circuit for run_args.
        def work():
            ezkl.gen_settings(a["model"], a["settings"], py_run_args=_run_args(a))
            value = _run_async(lambda: ezkl.calibrate_settings(
                a["data"], a["model"], a["settings"], a.get("target", "resources"),
                scales=a["scales"], scale_rebase_multiplier=a["rebase_multipliers"]))
            _canonical_settings(a["settings"])
            return value
        return _attempt(work)
    if op == "try_circuit":
        # compile_circuit + gen_witness + mock (unless "mock" is false) on each calibration input.
        def work():
            ezkl.compile_circuit(a["model"], a["compiled"], a["settings"])
            for data, witness in zip(a["data"], a["witnesses"]):
                _run_async(lambda: ezkl.gen_witness(data, a["compiled"], witness, None, None))
                if a.get("mock", True) and not ezkl.mock(witness, a["compiled"]):
                    raise RuntimeError("mock: the witness does not satisfy the circuit")
            return True
        return _attempt(work)
    if op == "try_proof":
        # setup + prove + verify on each witness: the optimiser accepts a circuit only on a real proof.
        def work():
            ezkl.setup(a["compiled"], a["vk"], a["pk"], a["srs"], None, False)
            for witness, proof in zip(a["witnesses"], a["proofs"]):
                ezkl.prove(witness, a["compiled"], a["pk"], proof, a["srs"])
                if not ezkl.verify(proof, a["settings"], a["vk"], a["srs"], False):
                    raise RuntimeError("verify: EZKL rejects the circuit's own proof")
            return True
        return _attempt(work)
    if op == "mock":
        return ezkl.mock(a["witness"], a["compiled"])
    if op == "compile_circuit":
        return ezkl.compile_circuit(a["model"], a["compiled"], a["settings"])
    if op == "gen_srs":
        ezkl.gen_srs(a["srs"], int(a["logrows"]))
        return True
    if op == "get_srs":
        return _run_async(lambda: ezkl.get_srs(a.get("settings"), a.get("logrows"), a["srs"]))
    if op == "setup":
        return ezkl.setup(a["compiled"], a["vk"], a["pk"], a["srs"], None, False)
    if op == "gen_witness":
        _run_async(lambda: ezkl.gen_witness(a["data"], a["compiled"], a["witness"], None, None))
        return True
    if op == "prove":
        ezkl.prove(a["witness"], a["compiled"], a["pk"], a["proof"], a["srs"])
        return True
    if op == "verify":
        return ezkl.verify(a["proof"], a["settings"], a["vk"], a["srs"], False)
    if op == "create_evm_verifier":
        return _run_async(lambda: ezkl.create_evm_verifier(a["vk"], a["settings"], a["sol"], a["abi"], a["srs"], bool(a.get("reusable", False))))
    if op == "create_evm_vka":
        return _run_async(lambda: ezkl.create_evm_vka(a["vk"], a["settings"], a["vka"], a["srs"]))
    if op == "encode_evm_calldata":
        return list(ezkl.encode_evm_calldata(a["proof"], a["calldata"], a.get("addr_vk")))
    if op == "poseidon_hash":
        return ezkl.poseidon_hash(a["message"])
    raise ValueError("unknown op " + op)


def main():
    request_path = sys.argv[1]
    if request_path == "-":
        try:
            import ezkl  # noqa: F401 -- imported while pocompute still prepares the ops
        except BaseException:
            pass  # the first op imports it again and reports the failure as that op's
        text = sys.stdin.read()
        if not text.strip():
            return
        request = json.loads(text)
        result_path = request["result"]
    else:
        result_path = sys.argv[2]
        with open(request_path) as f:
            request = json.load(f)
    results = []
    error = None
    for item in request["ops"]:
        started = time.perf_counter()
        try:
            value = run_op(item["op"], item.get("args", {}))
            # Each op's own time: several ops share one process (and its start-up) but are timed apart.
            ms = round((time.perf_counter() - started) * 1000)
            results.append({"op": item["op"], "value": value, "ms": ms})
        except BaseException as exc:  # EZKL raises RuntimeError, pyo3 PanicException (a BaseException)
            error = {"op": item["op"], "type": type(exc).__name__, "message": str(exc), "trace": traceback.format_exc()}
            break
    with open(result_path + ".tmp", "w") as f:
        json.dump({"results": results, "error": error}, f)
    os.replace(result_path + ".tmp", result_path)


if __name__ == "__main__":
    try:
        main()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
