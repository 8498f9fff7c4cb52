"""EZKL's own flow for one model, one phase per process, for `npm run bench:engines`.

Usage: python ezklFlow.py <phase> <model.onnx> <input.json> <work dir>
Phases: settings (gen_settings + calibrate_settings "resources" + compile_circuit + gen_srs, the
dev SRS kept in bench/.work/srs per engine and size),
setup, prove (gen_witness + prove), verify. Prints one line {"phase": ..., "timings": {...}}.

Runs on the EZKL the interpreter has (21.0.0 or 23.0.5): the two differ in prove's arguments
(21 takes a proof type). Visibilities are pocompute's defaults: public input and output, fixed
params, so the model is in the circuit as it is in a pocompute proof.
"""
import asyncio
import inspect
import json
import os
import sys
import time


def _async(call):
    """EZKL's async bindings need a running event loop when called; sync ones just return."""
    async def run():
        result = call()
        return await result if inspect.isawaitable(result) else result
    return asyncio.run(run())


def main():
    from importlib.metadata import version

    import ezkl

    ezkl_version = version("ezkl")

    phase, model, data, work = sys.argv[1:5]
    at = lambda name: os.path.join(work, name)
    timings = {}
    started = time.time()
    if phase == "settings":
        args = ezkl.PyRunArgs()
        args.input_visibility = "public"
        args.output_visibility = "public"
        args.param_visibility = "fixed"
        ezkl.gen_settings(model, at("settings.json"), py_run_args=args)
        _async(lambda: ezkl.calibrate_settings(data, model, at("settings.json"), "resources"))
        ezkl.compile_circuit(model, at("model.compiled"), at("settings.json"))
        timings["settings"] = time.time() - started
        settings = json.load(open(at("settings.json")))
        logrows = settings["run_args"]["logrows"]
        srs_started = time.time()
        # A dev SRS takes minutes at 2^19 and up: kept per engine and size in bench/.work/srs.
        cache = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".work", "srs")
        cached = os.path.join(cache, f"ezkl{ezkl_version}-k{logrows}.srs")
        if not os.path.exists(cached):
            os.makedirs(cache, exist_ok=True)
            ezkl.gen_srs(cached + ".tmp", logrows)
            os.replace(cached + ".tmp", cached)
        os.symlink(cached, at("kzg.srs"))
        timings["srs"] = time.time() - srs_started
        timings["logrows"] = logrows
        timings["rows"] = settings.get("num_rows")
    elif phase == "setup":
        ezkl.setup(at("model.compiled"), at("vk.key"), at("pk.key"), at("kzg.srs"))
        timings["setup"] = time.time() - started
    elif phase == "prove":
        _async(lambda: ezkl.gen_witness(data, at("model.compiled"), at("witness.json")))
        timings["witness"] = time.time() - started
        prove_started = time.time()
        if ezkl_version.startswith("21."):
            ezkl.prove(at("witness.json"), at("model.compiled"), at("pk.key"), at("proof.json"),
                       "single", at("kzg.srs"))
        else:
            ezkl.prove(at("witness.json"), at("model.compiled"), at("pk.key"), at("proof.json"),
                       at("kzg.srs"))
        timings["prove"] = time.time() - prove_started
    elif phase == "verify":
        ok = ezkl.verify(at("proof.json"), at("settings.json"), at("vk.key"), at("kzg.srs"))
        if not ok:
            raise SystemExit("the proof does not verify")
        timings["verify"] = time.time() - started
    else:
        raise SystemExit(f"unknown phase {phase}")
    timings["version"] = ezkl_version
    sys.stdout.write(json.dumps({"phase": phase, "timings": timings}) + "\n")
    sys.stdout.flush()
    os._exit(0)  # EZKL's pyo3 runtime can abort during interpreter shutdown


if __name__ == "__main__":
    main()
