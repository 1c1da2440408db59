"""`polyvis run --model NAME` against torchvision 0.14.1 (the parity entry
point): seeded noisy weights saved in the zip and in the legacy format, a
seeded input, logits compared on every device present (GPUs in strict
no-fallback mode) within 1e-4 relative error with the same top-5; plus the
CLI's exit codes and no partial output on failure.
usage: /usr/bin/python3 run_zoo_parity.py POLYVIS_BIN"""
import json
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import torch
    import torchvision
except ImportError as e:
    print("SKIP: torchvision oracle missing: %s" % e)
    sys.exit(77)

pv = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="pv_run_zoo_")
fails = 0


def check(cond, what):
    global fails
    if not cond:
        fails += 1
        print("FAIL:", what)


devices = [d["name"] for d in json.loads(subprocess.check_output([pv, "devices", "--json"]))]
cases = [("resnet18", 64, True, {}), ("mobilenet_v3_small", 64, False, {}),
         ("googlenet", 64, True, {"transform_input": False}), ("squeezenet1_1", 64, False, {}),
         ("densenet121", 64, True, {})]
for name, size, legacy, kw in cases:
    torch.manual_seed(0)
    m = torchvision.models.get_model(name, weights=None, num_classes=17, **kw).eval()
    with torch.no_grad():
        for p in m.parameters():
            p.add_(0.02 * torch.randn_like(p))
        for n, b in m.named_buffers():
            if "running_var" in n:
                b.copy_(0.5 + torch.rand_like(b))
            elif "running_mean" in n:
                b.copy_(0.1 * torch.randn_like(b))
    w = os.path.join(tmp, name + ".pth")
    sd = m.state_dict()
    if name == "googlenet":  # as get_model builds it: aux heads in the file
        sd = {k: v for k, v in sd.items()}
    if name == "densenet121":  # pre-0.3 key names, as old checkpoints have
        import re
        sd = {re.sub(r"(denselayer\d+\.(?:norm|relu|conv))(\d)\.", r"\1.\2.", k): v
              for k, v in sd.items()}
    torch.save(sd, w, _use_new_zipfile_serialization=not legacy)
    x = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        want = m(x)
        if isinstance(want, tuple):
            want = want[0]
        want = want.numpy()
    check(want.std() > 1e-3, "%s: degenerate reference" % name)
    xp = os.path.join(tmp, name + "_x.npy")
    np.save(xp, x.numpy())
    for dev in devices:
        yp = os.path.join(tmp, "%s_%s.npy" % (name, dev.replace(":", "_")))
        cmd = [pv, "run", "--model", name, "--weights", w, "--input", xp, "--output", yp,
               "--device", dev]
        if name == "googlenet":
            cmd += ["--option", "transform_input=false"]
        if dev != "cpu":
            cmd.append("--no-fallback")
        r = subprocess.run(cmd, capture_output=True, text=True)
        check(r.returncode == 0, "%s on %s: exit %d %s" % (name, dev, r.returncode, r.stderr))
        if r.returncode:
            continue
        got = np.load(yp)
        err = np.abs(got - want).max() / np.abs(want).max()
        same5 = all((np.argsort(-got[i])[:5] == np.argsort(-want[i])[:5]).all()
                    for i in range(len(want)))
        print("%-20s %-9s %s rel_err %.3g top5 %s" % (name, dev, "legacy" if legacy else "zip",
                                                    err, "same" if same5 else "DIFFERENT"))
        check(got.shape == want.shape and err <= 1e-4 and same5, "%s on %s" % (name, dev))

# exit codes: usage 2, runtime 1, and no partial output
bad = os.path.join(tmp, "never.npy")
r = subprocess.run([pv, "run", "--model", "resnet18", "--option", "nope=1", "--input", xp,
                    "--output", bad], capture_output=True)
check(r.returncode == 2, "bad --option exits 2")
r = subprocess.run([pv, "run", "--model", "resnet18", "--weights", xp, "--input", xp,
                    "--output", bad], capture_output=True, text=True)
check(r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1,
      "bad weights exit 1 with one line: %r" % r.stderr)
check(not os.path.exists(bad), "no partial output")
r = subprocess.run([pv, "run", "--model", "no_such_net", "--input", xp, "--output", bad],
                   capture_output=True)
check(r.returncode == 1, "unknown model exits 1")
sys.exit(1 if fails else 0)
