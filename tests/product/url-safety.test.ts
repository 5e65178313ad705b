import { describe, expect, it } from "vitest";
import {
  UnsafeUrlError,
  checkSubscriptionUrl,
  isPublicAddress,
  resolvePublicUrl,
} from "../../shared/product/url-safety.js";

/** Where events may be sent: every address class, URL tricks, and the delivery-time DNS check. */

describe("isPublicAddress", () => {
  it.each([
    // IPv4 public
    ["8.8.8.8", true],
    ["1.1.1.1", true],
    ["20.50.2.1", true],
    ["100.63.255.255", true],
    ["100.128.0.0", true],
    ["172.15.255.255", true],
    ["172.32.0.0", true],
    ["192.169.0.1", true],
    ["198.20.0.1", true],
    ["223.255.255.255", true],
    ["168.63.129.15", true],
    // IPv4 refused
    ["0.0.0.0", false],
    ["0.1.2.3", false],
    ["10.0.0.1", false],
    ["10.255.255.255", false],
    ["100.64.0.1", false],
    ["100.100.100.200", false], // Alibaba Cloud metadata
    ["100.127.255.255", false],
    ["127.0.0.1", false],
    ["127.255.255.254", false],
    ["168.63.129.16", false], // Azure WireServer
    ["169.254.169.254", false], // Azure / AWS / GCP metadata
    ["169.254.0.1", false],
    ["172.16.0.1", false],
    ["172.31.255.255", false],
    ["192.0.0.8", false],
    ["192.0.2.1", false],
    ["192.88.99.1", false],
    ["192.168.1.1", false],
    ["198.18.0.1", false],
    ["198.19.255.255", false],
    ["198.51.100.7", false],
    ["203.0.113.9", false],
    ["224.0.0.1", false],
    ["239.255.255.250", false],
    ["240.0.0.1", false],
    ["255.255.255.255", false],
    // IPv6 public
    ["2606:4700:4700::1111", true],
    ["2001:4860:4860::8888", true],
    ["2a01:111:f400::1", true],
    ["2002:808:808::1", true], // 6to4 of 8.8.8.8
    ["64:ff9b::808:808", true], // NAT64 of 8.8.8.8
    ["::ffff:8.8.8.8", true], // IPv4-mapped public
    // IPv6 refused
    ["::", false],
    ["::1", false],
    ["0:0:0:0:0:0:0:1", false],
    ["::ffff:127.0.0.1", false],
    ["::ffff:7f00:1", false],
    ["::ffff:10.0.0.1", false],
    ["::ffff:a9fe:a9fe", false], // mapped 169.254.169.254
    ["::ffff:169.254.169.254", false],
    ["::127.0.0.1", false], // IPv4-compatible (deprecated)
    ["64:ff9b::a00:1", false], // NAT64 of 10.0.0.1
    ["64:ff9b::169.254.169.254", false],
    ["64:ff9b:1::1", false],
    ["2002:a00:1::1", false], // 6to4 of 10.0.0.1
    ["2002:7f00:1::", false],
    ["100::1", false],
    ["2001::1", false], // Teredo
    ["2001:2::1", false],
    ["2001:db8::1", false],
    ["3fff::1", false],
    ["fc00::1", false],
    ["fd00:ec2::254", false], // AWS metadata over IPv6
    ["fe80::1", false],
    ["fe80::1%eth0", false],
    ["fec0::1", false],
    ["ff02::1", false],
    ["5f00::1", false],
    ["4000::1", false],
    // not addresses
    ["", false],
    ["localhost", false],
    ["example.com", false],
    ["1.2.3", false],
    ["256.1.1.1", false],
  ])("%s → public: %s", (ip, expected) => {
    expect(isPublicAddress(ip)).toBe(expected);
  });
});

describe("checkSubscriptionUrl", () => {
  it.each([
    "https://app.example.com/scim-events",
    "https://app.example.com:8443/hooks?x=1",
    "https://8.8.8.8/events",
    "https://[2606:4700:4700::1111]/events",
    "https://example.com./events",
  ])("accepts %s in production", (url) => {
    expect(checkSubscriptionUrl(url, { allowLocal: false }).href).toBe(new URL(url).href);
  });

  it.each([
    ["not a url", "absolute https URL"],
    ["/relative/path", "absolute https URL"],
    ["http://app.example.com/events", "must use https, got http://app.example.com"],
    ["ftp://app.example.com/events", "must use https"],
    ["javascript:alert(1)", "must use https"],
    ["https://user:secret@app.example.com/", "must not contain a user name or password"],
    ["https://localhost/events", "localhost is an internal name"],
    ["https://api.localhost/", "an internal name"],
    ["https://LOCALHOST./events", "localhost. is an internal name"],
    ["https://metadata.google.internal/computeMetadata/v1/", "an internal name"],
    ["https://printer.local/", "an internal name"],
    ["https://intranet/", "not a fully qualified domain name"],
    ["https://127.0.0.1/", "127.0.0.1 is loopback"],
    ["https://169.254.169.254/latest/meta-data/", "169.254.169.254 is link-local (cloud instance metadata"],
    ["https://168.63.129.16/", "Azure platform"],
    ["https://10.1.2.3:8443/", "10.1.2.3:8443 is private (10.0.0.0/8)"],
    ["https://0/", "0.0.0.0 is 'this network'"],
    ["https://[::1]/", "[::1] is loopback (::1)"],
    ["https://[::ffff:127.0.0.1]/", "IPv4-mapped 127.0.0.1, loopback"],
    ["https://[::ffff:169.254.169.254]/", "IPv4-mapped 169.254.169.254, link-local"],
    ["https://[fd00:ec2::254]/", "unique local"],
    ["https://[fe80::1]/", "link-local (fe80::/10)"],
    // decimal, octal and hex IPv4 literals: the WHATWG parser normalises them before the check
    ["https://2130706433/", "127.0.0.1 is loopback"],
    ["https://0x7f.1/", "127.0.0.1 is loopback"],
    ["https://0177.0.0.1/", "127.0.0.1 is loopback"],
    ["https://017700000001/", "127.0.0.1 is loopback"],
    ["https://127.1/", "127.0.0.1 is loopback"],
    ["https://0xA9FEA9FE/", "169.254.169.254 is link-local"],
    ["https://%31%32%37.0.0.1/", "127.0.0.1 is loopback"],
    [`https://example.com/${"a".repeat(2100)}`, "at most 2048 characters"],
  ])("refuses %s in production", (url, detail) => {
    const run = () => checkSubscriptionUrl(url, { allowLocal: false });
    expect(run).toThrow(UnsafeUrlError);
    expect(run).toThrow(detail);
  });

  it("names the host, never the query string, in its refusal", () => {
    expect(() => checkSubscriptionUrl("http://app.example.com/x?token=s3cr3t", { allowLocal: false })).toThrow(
      /^url must use https, got http:\/\/app\.example\.com\.$/,
    );
    try {
      checkSubscriptionUrl("https://10.0.0.1/x?token=s3cr3t", { allowLocal: false });
    } catch (error) {
      expect((error as Error).message).not.toContain("s3cr3t");
      expect((error as UnsafeUrlError).field).toBe("url");
    }
  });

  it.each([
    "http://localhost:7071/events",
    "http://127.0.0.1:9000/events",
    "https://localhost/events",
    "http://2130706433:9000/", // is 127.0.0.1
    "https://app.example.com/events",
  ])("accepts %s on the local host", (url) => {
    expect(checkSubscriptionUrl(url, { allowLocal: true }).href).toBe(new URL(url).href);
  });

  it.each([
    ["http://app.example.com/", "must use https"],
    ["http://[::1]:9000/", "must use https"],
    ["https://127.0.0.2/", "loopback"],
    ["http://10.0.0.1/", "must use https"],
    ["https://192.168.1.10/", "private"],
    ["https://169.254.169.254/", "link-local"],
  ])("refuses %s on the local host too, naming what it accepts", (url, detail) => {
    const run = () => checkSubscriptionUrl(url, { allowLocal: true });
    expect(run).toThrow(UnsafeUrlError);
    expect(run).toThrow(detail);
    expect(run).toThrow("(or, on the local host, http://localhost or http://127.0.0.1)");
  });

  it("refuses credentials in a local URL too", () => {
    expect(() => checkSubscriptionUrl("http://user:pw@localhost/", { allowLocal: true })).toThrow(
      "url must not contain a user name or password",
    );
  });
});

describe("resolvePublicUrl", () => {
  const resolving =
    (...addresses: string[]) =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  const refused = () => Promise.reject(new Error("lookup must not be called"));

  it("returns the first address when every address is public", async () => {
    const got = await resolvePublicUrl(new URL("https://app.example.com/events"), {
      allowLocal: false,
      lookup: resolving("20.50.2.1", "2606:4700:4700::1111"),
    });
    expect(got).toEqual({ address: "20.50.2.1", family: 4 });
  });

  it("returns an IPv6 address with family 6", async () => {
    const got = await resolvePublicUrl(new URL("https://app.example.com/"), {
      allowLocal: false,
      lookup: resolving("2606:4700:4700::1111"),
    });
    expect(got).toEqual({ address: "2606:4700:4700::1111", family: 6 });
  });

  it.each([
    [["10.0.0.5"], "app.example.com resolves to 10.0.0.5, which is private (10.0.0.0/8)"],
    [["20.50.2.1", "169.254.169.254"], "resolves to 169.254.169.254, which is link-local"],
    [["2606:4700:4700::1111", "::1"], "resolves to ::1, which is loopback"],
    [["::ffff:127.0.0.1"], "IPv4-mapped 127.0.0.1, loopback"],
    [["fd00:ec2::254"], "unique local"],
    [["127.0.0.1"], "loopback"],
  ])("refuses a name resolving to %j (rebinding), also on the local host", async (addresses, detail) => {
    for (const allowLocal of [false, true]) {
      const run = resolvePublicUrl(new URL("https://app.example.com/events"), {
        allowLocal,
        lookup: resolving(...addresses),
      });
      await expect(run).rejects.toThrow(UnsafeUrlError);
      await expect(
        resolvePublicUrl(new URL("https://app.example.com/events"), { allowLocal, lookup: resolving(...addresses) }),
      ).rejects.toThrow(detail);
    }
  });

  it("judges IP literals without DNS", async () => {
    await expect(
      resolvePublicUrl(new URL("https://8.8.8.8/x"), { allowLocal: false, lookup: refused }),
    ).resolves.toEqual({ address: "8.8.8.8", family: 4 });
    await expect(
      resolvePublicUrl(new URL("https://[2606:4700:4700::1111]/x"), { allowLocal: false, lookup: refused }),
    ).resolves.toEqual({ address: "2606:4700:4700::1111", family: 6 });
    await expect(resolvePublicUrl(new URL("https://0x7f.1/x"), { allowLocal: false, lookup: refused })).rejects.toThrow(
      "127.0.0.1 is loopback",
    );
  });

  it("lets the local host deliver to localhost and 127.0.0.1 only", async () => {
    await expect(
      resolvePublicUrl(new URL("http://localhost:9000/x"), { allowLocal: true, lookup: refused }),
    ).resolves.toEqual({ address: "127.0.0.1", family: 4 });
    await expect(
      resolvePublicUrl(new URL("http://127.0.0.1:9000/x"), { allowLocal: true, lookup: refused }),
    ).resolves.toEqual({ address: "127.0.0.1", family: 4 });
    await expect(
      resolvePublicUrl(new URL("http://localhost:9000/x"), { allowLocal: false, lookup: refused }),
    ).rejects.toThrow(UnsafeUrlError);
  });

  it("re-checks the URL itself (a stored URL is not trusted)", async () => {
    await expect(
      resolvePublicUrl(new URL("http://app.example.com/x"), { allowLocal: false, lookup: resolving("20.50.2.1") }),
    ).rejects.toThrow("must use https");
  });

  it("reports a name that does not resolve as a plain failure, not a refusal", async () => {
    const nxdomain = async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND nowhere.example.com"), { code: "ENOTFOUND" });
    };
    const run = () =>
      resolvePublicUrl(new URL("https://nowhere.example.com/"), { allowLocal: false, lookup: nxdomain });
    await expect(run()).rejects.toThrow("Could not resolve nowhere.example.com (ENOTFOUND).");
    await expect(run()).rejects.not.toBeInstanceOf(UnsafeUrlError);
    await expect(
      resolvePublicUrl(new URL("https://empty.example.com/"), { allowLocal: false, lookup: resolving() }),
    ).rejects.toThrow("no addresses");
  });

  it("uses the system resolver by default (localhost names are refused before any lookup)", async () => {
    await expect(resolvePublicUrl(new URL("https://localhost/"), { allowLocal: false })).rejects.toThrow(
      UnsafeUrlError,
    );
  });
});
