package io.forkyard.web.callback;

import io.forkyard.web.WebConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Where a callback may go (README "Callbacks"): an absolute {@code http} or {@code https} URL whose
 * host the operator allowed ({@code callbacks.allowed-hosts}), and, unless {@code
 * callbacks.allow-private-addresses}, whose host resolves to public addresses only. The host is
 * checked when the URL is submitted and again (with its DNS answer) at every delivery.
 */
@ApplicationScoped
public class CallbackTargets {

    /** Longest URL kept. */
    static final int MAX_LENGTH = 2000;

    @Inject
    WebConfig config;

    /** Why {@code url} may not be a callback; empty when it may. */
    public Optional<String> refusal(String url) {
        if (url.length() > MAX_LENGTH) {
            return Optional.of("must have at most " + MAX_LENGTH + " characters");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return Optional.of("is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            return Optional.of("must be an http or https URL");
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            return Optional.of("must name a host, without user info or fragment");
        }
        List<String> allowed = config.callbacks().allowedHosts().orElse(List.of());
        if (allowed.isEmpty()) {
            return Optional.of("callbacks are off: the operator allows no host (forkyard.web.callbacks.allowed-hosts)");
        }
        if (!hostAllowed(uri.getHost().toLowerCase(Locale.ROOT), allowed)) {
            return Optional.of("host " + uri.getHost() + " is not allowed; allowed: " + String.join(", ", allowed));
        }
        return Optional.empty();
    }

    /**
     * Why a delivery to {@code url} must not be made now: its host is no longer allowed, does not
     * resolve, or resolves to an internal address; empty when it may.
     */
    public Optional<String> deliveryRefusal(String url) {
        Optional<String> refusal = refusal(url);
        if (refusal.isPresent() || config.callbacks().allowPrivateAddresses()) {
            return refusal;
        }
        try {
            for (InetAddress address : InetAddress.getAllByName(URI.create(url).getHost())) {
                if (isInternal(address)) {
                    return Optional.of("host resolves to an internal address (" + address.getHostAddress() + ")");
                }
            }
        } catch (UnknownHostException e) {
            return Optional.of("host does not resolve");
        }
        return Optional.empty();
    }

    static boolean hostAllowed(String host, List<String> allowed) {
        for (String pattern : allowed) {
            String p = pattern.strip().toLowerCase(Locale.ROOT);
            if (p.startsWith("*.") ? host.endsWith(p.substring(1)) : host.equals(p)) {
                return true;
            }
        }
        return false;
    }

    /** Loopback, private (RFC 1918, unique local), link-local, wildcard, multicast or CGNAT. */
    static boolean isInternal(InetAddress address) {
        if (address.isLoopbackAddress()
                || address.isSiteLocalAddress()
                || address.isLinkLocalAddress()
                || address.isAnyLocalAddress()
                || address.isMulticastAddress()) {
            return true;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet6Address) {
            return (b[0] & 0xfe) == 0xfc; // fc00::/7
        }
        return (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64; // 100.64.0.0/10
    }
}
