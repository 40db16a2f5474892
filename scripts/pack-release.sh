#!/usr/bin/env bash
# `npm run pack:release -- [COMMIT] [OUT]`: packs the runnable node agent of the release at COMMIT (default
# HEAD) into ONE tarball (default release-<version>-agent.tgz): the built JS of @lastbackend/core (its bin
# included), the SDK and the packages an agent loads by default (config/defaults.ts: the docker, hostdir,
# vxlan, ipvs and nftables drivers and the discovery plugin), laid out as node_modules/@lastbackend/<pkg>,
# plus RELEASE.json (version, commit, packages). A package's optional addons (native/build.sh: core's
# malloc-trim, the discovery plugin's UDP thread) are built with this machine's C compiler and shipped as
# native/build/*.node; where one cannot be built, the script says so and the release runs without it, as
# `npm run build` does. No third-party packages, no source maps, no .d.ts, no
# specs: extracted inside a checkout, the old packages resolve each other first and everything else from
# the checkout's node_modules (test/agent-previous-release.test.ts runs it so against today's server).
# The build happens in a throwaway directory inside this checkout (so tsc finds the checkout's
# node_modules and @types) from `git archive` of COMMIT: the working tree is never touched. The tarball
# is reproducible: sorted names, owner 0, the commit's time as every file's mtime, gzip without a name.
set -euo pipefail
root=$(git rev-parse --show-toplevel)
commit=$(git -C "$root" rev-parse --verify "${1:-HEAD}^{commit}")
# The packages of an agent: source directory and package name.
PKGS=(sdk:sdk drivers/docker:driver-docker drivers/hostdir:driver-hostdir drivers/vxlan:driver-vxlan
  drivers/ipvs:driver-ipvs drivers/nftables:driver-nftables plugins/discovery:plugin-discovery core:core)

work=$(mktemp -d "$root/.pack-release.XXXXXX")
trap 'rm -rf "$work"' EXIT
src="$work/src" stage="$work/stage"
mkdir -p "$src/node_modules/@lastbackend" "$stage/node_modules/@lastbackend"
dirs=()
for p in "${PKGS[@]}"; do dirs+=("${p%%:*}"); done
git -C "$root" archive "$commit" tsconfig.base.json package.json "${dirs[@]}" | tar -x -C "$src"
version=$(node -p 'require(process.argv[1]).version' "$src/core/package.json")
# Every package the release's defaults name must be packed (the ingress plugin runs on servers only).
for named in $(grep -o "'@lastbackend/[a-z0-9-]*'" "$src/core/src/config/defaults.ts" | tr -d "'" | sort -u); do
  [ "$named" = @lastbackend/plugin-ingress-haproxy ] && continue
  printf '%s\n' "${PKGS[@]#*:}" | grep -qx "${named#@lastbackend/}" ||
    { echo "pack-release: $commit's defaults name $named, which this script does not pack: add it to PKGS" >&2; exit 1; }
done

# The old packages see each other (not this checkout's), third-party packages from the checkout.
for p in "${PKGS[@]}"; do ln -s "../../${p%%:*}" "$src/node_modules/@lastbackend/${p#*:}"; done
echo "pack-release: building $version ($commit)" >&2
(cd "$src" && "$root/node_modules/.bin/tsc" -b "${dirs[@]}")
for d in "${dirs[@]}"; do [ ! -f "$src/$d/native/build.sh" ] || sh "$src/$d/native/build.sh"; done

names=()
for p in "${PKGS[@]}"; do
  dir="${p%%:*}" name="${p#*:}" out="$stage/node_modules/@lastbackend/${p#*:}"
  names+=("@lastbackend/$name")
  mkdir -p "$out"
  cp "$src/$dir/package.json" "$out/"
  (cd "$src/$dir" && find dist -name '*.js' ! -name '*.spec.js' ! -name '*.test.js' -print0 | tar --null -T - -cf - | tar -x -C "$out")
  [ ! -d "$src/$dir/bin" ] || { mkdir -p "$out/bin" && cp "$src/$dir/bin/lb.js" "$out/bin/"; }
  ! ls "$src/$dir"/native/build/*.node >/dev/null 2>&1 || { mkdir -p "$out/native/build" && cp "$src/$dir"/native/build/*.node "$out/native/build/"; }
  # The maps are not shipped: their references go too.
  find "$out/dist" -name '*.js' -exec sed -i '/^\/\/# sourceMappingURL=/d' {} +
done
node -e 'const [v, c, ...p] = process.argv.slice(1); process.stdout.write(JSON.stringify({ version: v, commit: c, packages: p }, null, 2) + "\n")' \
  "$version" "$commit" "${names[@]}" > "$stage/RELEASE.json"

out=$(realpath -m "${2:-release-$version-agent.tgz}")
mtime=$(git -C "$root" show -s --format=%ct "$commit")
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" -C "$stage" -cf - RELEASE.json node_modules | gzip -9n > "$out"
echo "pack-release: $out ($(stat -c %s "$out") bytes)" >&2
