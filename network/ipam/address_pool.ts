import {
  AlreadyExistsError,
  InvalidArgumentError,
  ResourceExhaustedError,
} from "../../lib/errors/mod.ts";
import { type Cidr, formatIp, parseCidr, parseIp } from "./ip_address.ts";

/**
 * One pool of zone addresses (DESIGN: IPv4 10.75.0.0/16, IPv6 a ULA /48). The
 * first address after the network is the gateway (the host side of every routed
 * link); zones get the ones after it. IPv4 also keeps its broadcast address out.
 * Allocation is deterministic (lowest free first), so state rebuilds the same way.
 */
export class AddressPool {
  readonly cidr: Cidr;
  readonly gateway: string;
  /** First and last (inclusive) address a zone may get. */
  readonly #first: bigint;
  readonly #last: bigint;

  constructor(text: string, readonly field: string) {
    this.cidr = parseCidr(text, field);
    const width = this.cidr.family === 4 ? 32 : 128;
    const size = 1n << BigInt(width - this.cidr.prefix);
    const minimum = this.cidr.family === 4 ? 4n : 2n; // network + gateway (+ broadcast) + one zone
    if (size < minimum) {
      throw new InvalidArgumentError(field, `${text} is too small for a gateway and a zone`);
    }
    const last = this.cidr.network + size - 1n;
    this.gateway = this.#text(this.cidr.network + 1n);
    this.#first = this.cidr.network + 2n;
    this.#last = this.cidr.family === 4 ? last - 1n : last;
  }

  /** The pool in canonical CIDR form, e.g. "10.75.0.0/16". */
  get text(): string {
    return `${
      formatIp({ family: this.cidr.family, value: this.cidr.network })
    }/${this.cidr.prefix}`;
  }

  /** How many zone addresses the pool holds. */
  get capacity(): bigint {
    return this.#last - this.#first + 1n;
  }

  /**
   * An address for a new reservation: `requested` if given (it must be in the pool,
   * not the gateway, and free), else the lowest free one. `taken` is every address
   * already reserved, in canonical form.
   */
  allocate(taken: ReadonlySet<string>, requested?: string): string {
    if (requested) {
      const ip = parseIp(requested, this.field);
      const text = formatIp(ip);
      if (ip.family !== this.cidr.family || ip.value < this.#first || ip.value > this.#last) {
        throw new InvalidArgumentError(
          this.field,
          `${requested} is not a zone address of ${
            formatIp({ family: this.cidr.family, value: this.cidr.network })
          }/${this.cidr.prefix} (the gateway is ${this.gateway})`,
        );
      }
      if (taken.has(text)) throw new AlreadyExistsError(`${text} is already reserved`);
      return text;
    }
    // Scan from the bottom; a busy pool is small next to the reservations it tracks.
    for (let v = this.#first, n = 0; v <= this.#last && n <= taken.size; v++, n++) {
      const text = this.#text(v);
      if (!taken.has(text)) return text;
    }
    throw new ResourceExhaustedError(
      `address pool ${
        formatIp({ family: this.cidr.family, value: this.cidr.network })
      }/${this.cidr.prefix} is exhausted (${this.capacity} zone addresses, all reserved)`,
    );
  }

  #text(value: bigint): string {
    return formatIp({ family: this.cidr.family, value });
  }
}
