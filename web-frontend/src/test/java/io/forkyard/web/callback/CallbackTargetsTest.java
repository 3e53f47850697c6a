package io.forkyard.web.callback;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class CallbackTargetsTest {

    @Test
    void internalAddressesAreToldApartFromPublicOnes() throws Exception {
        for (String internal : List.of(
                "127.0.0.1",
                "10.1.2.3",
                "172.16.0.1",
                "192.168.1.1",
                "169.254.169.254",
                "0.0.0.0",
                "100.64.0.1",
                "::1",
                "fe80::1",
                "fd00::1",
                "224.0.0.1")) {
            assertThat(CallbackTargets.isInternal(InetAddress.getByName(internal)))
                    .as(internal)
                    .isTrue();
        }
        for (String external : List.of("93.184.216.34", "8.8.8.8", "100.128.0.1", "2606:4700::1111")) {
            assertThat(CallbackTargets.isInternal(InetAddress.getByName(external)))
                    .as(external)
                    .isFalse();
        }
    }

    @Test
    void aHostIsAllowedByNameOrByADomainWildcard() {
        List<String> allowed = List.of("hooks.example.com", "*.acme.io");
        assertThat(CallbackTargets.hostAllowed("hooks.example.com", allowed)).isTrue();
        assertThat(CallbackTargets.hostAllowed("a.b.acme.io", allowed)).isTrue();
        assertThat(CallbackTargets.hostAllowed("acme.io", allowed)).isFalse();
        assertThat(CallbackTargets.hostAllowed("evilacme.io", allowed)).isFalse();
        assertThat(CallbackTargets.hostAllowed("hooks.example.com.evil.net", allowed))
                .isFalse();
    }
}
