// The packages of package-lock.json, installed by `npm ci` here (deploy/test does it):
// load(name) gives a package's default export, or exits 1 saying how to install it.
export async function load(name) {
  try {
    return (await import(name)).default;
  } catch (e) {
    console.error(`cannot load ${name} (${e.code ?? e.message}): run npm ci in tests/openapi`);
    process.exit(1);
  }
}
