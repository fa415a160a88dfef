// Image references as the docker CLI reads them (distribution/reference): `nginx` is
// `docker.io/library/nginx:latest`, served by registry-1.docker.io; `ghcr.io/org/app:1.2`,
// `localhost:5000/app`, `[::1]:5000/app@sha256:…`. A digest wins over a tag.
import { InputError } from '../../core/errors.js';
import { parseDigest } from '../digest.js';

export interface RegistryReference {
  /** The registry as users name it (and `docker login` takes it): `docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  registry: string;
  /** `host[:port]` to connect to: `registry-1.docker.io` for docker.io, else `registry`. */
  endpoint: string;
  /** Repository path in the registry: `library/nginx`, `org/app`. */
  repository: string;
  tag?: string;
  digest?: string;
  /** Fully qualified, for messages: `docker.io/library/nginx:latest`, `ghcr.io/org/app@sha256:…`. */
  name: string;
}

export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ENDPOINT = 'registry-1.docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;
const MAX_NAME = 255;

export function parseReference(text: string): RegistryReference {
  const bad = (why: string) => new InputError(`invalid image reference "${text}": ${why}`);
  let rest = text.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    try {
      parseDigest(digest, 'digest');
    } catch {
      throw bad(`"${digest}" is not a digest (expected sha256:<64 hex digits>)`);
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/') && colon > rest.lastIndexOf(']')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(`"${tag}" is not a valid tag`);
  }
  if (rest === '') throw bad('no repository name');
  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  // distribution/reference: the first component is a registry when it looks like a host name.
  const hasDomain = first !== '' && (/[.:[]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  let registry = hasDomain ? first : DOCKER_HUB;
  let repository = hasDomain ? rest.slice(slash + 1) : rest;
  if (hasDomain && !DOMAIN.test(registry)) throw bad(`"${registry}" is not a valid registry host`);
  if (DOCKER_HUB_ALIASES.has(registry.toLowerCase())) registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  for (const component of repository.split('/')) {
    if (PATH_COMPONENT.test(component)) continue;
    if (component.toLowerCase() !== component && PATH_COMPONENT.test(component.toLowerCase())) {
      throw bad('repository names must be lowercase');
    }
    throw bad(`"${component}" is not a valid repository name component`);
  }
  if (registry.length + 1 + repository.length > MAX_NAME) throw bad(`the name is longer than ${MAX_NAME} characters`);
  if (digest === undefined && tag === undefined) tag = 'latest';
  const base = `${registry}/${repository}`;
  return {
    registry,
    endpoint: registry === DOCKER_HUB ? DOCKER_HUB_ENDPOINT : registry,
    repository,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
    name: digest !== undefined ? `${base}@${digest}` : `${base}:${tag}`,
  };
}

/** What to ask the registry for: the digest when there is one, else the tag. */
export function manifestReference(ref: RegistryReference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

/** Hosts that may be reached over plain HTTP without --insecure-registry (as Docker allows). */
export function isLoopback(endpoint: string): boolean {
  const host = endpoint.replace(/:\d+$/, '').toLowerCase();
  return host === 'localhost' || host === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(host);
}
