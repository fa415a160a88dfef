// Image names as users type them (`nginx`, `nginx:1.25`, `docker.io/library/nginx:1.25`) and
// as archives record them (`RepoTags`, `io.containerd.image.name`, OCI ref names) differ only
// by Docker's defaults; compare them in the fully qualified form.

/** `nginx` → `docker.io/library/nginx:latest`; `localhost:5000/app` → `localhost:5000/app:latest`. */
export function qualifyImageName(name: string): string {
  let rest = name.trim();
  let digest = '';
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at);
    rest = rest.slice(0, at);
  }
  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  const hasDomain = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  let domain = hasDomain ? first : 'docker.io';
  let path = hasDomain ? rest.slice(slash + 1) : rest;
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  const lastSegment = path.slice(path.lastIndexOf('/') + 1);
  if (!lastSegment.includes(':') && digest === '') path += ':latest';
  return `${domain}/${path}${digest}`;
}

export function sameImageName(a: string, b: string): boolean {
  return a === b || qualifyImageName(a) === qualifyImageName(b);
}
