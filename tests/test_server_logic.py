"""What the fake servers answer, without a network: RFC 8415 section 16 validation and section 18.3 answers."""
from conformance.servers.logic import ServerLogic
from conformance.servers.pool import AddressPool, PrefixPool
from conformance.servers.script import Lifetimes, ServerScript
from conformance.wire import codec
from conformance.wire import constants as c
from conformance.wire.codec import IA
from conformance.wire.duid import duid_ll

CLIENT = duid_ll("02:00:00:00:00:99")
POOL = AddressPool("2001:db8:1::/64", "2001:db8:1::1000", "2001:db8:1::1fff")


def server(**script):
    script.setdefault("pool", POOL)
    return ServerLogic(duid_ll("02:00:00:00:00:01"), ServerScript(**script))


def ask(logic, msg_type, *options, with_client=True):
    opts = ([codec.client_id(CLIENT)] if with_client else []) + list(options)
    answer = logic.answer(codec.decode(codec.encode(msg_type, 0x42, opts)))
    return codec.decode(answer) if answer is not None else None


def na(iaid=1, *leases):
    return codec.encode_ia(IA("na", iaid, 0, 0, tuple(leases)))


def test_advertise_carries_preference_and_an_address_from_the_pool():
    advert = ask(server(preference=200, lifetimes=Lifetimes(10, 16, 20, 30)), c.SOLICIT, na())
    assert (advert.msg_type, advert.xid, advert.preference, advert.client_id) == (c.ADVERTISE, 0x42, 200, CLIENT)
    (ia,) = advert.ias
    assert (ia.t1, ia.t2) == (10, 16) and ia.leases[0].address in POOL and ia.leases[0].valid == 30


def test_no_preference_option_unless_scripted():
    assert ask(server(), c.SOLICIT, na()).preference is None


def test_request_for_another_server_is_discarded():
    logic = server()
    assert ask(logic, c.REQUEST, codec.server_id(duid_ll("02:00:00:00:00:02")), na()) is None
    assert ask(logic, c.REQUEST, codec.server_id(logic.duid), na()).msg_type == c.REPLY


def test_solicit_with_server_id_and_messages_without_client_id_are_discarded():
    logic = server()
    assert ask(logic, c.SOLICIT, codec.server_id(logic.duid), na()) is None
    assert ask(logic, c.SOLICIT, na(), with_client=False) is None


def test_identical_pools_give_the_same_address():
    a = ask(server(), c.SOLICIT, na(3)).ias[0].leases[0].address
    b = ServerLogic(duid_ll("02:00:00:00:00:02"), ServerScript(pool=POOL))
    assert ask(b, c.SOLICIT, na(3)).ias[0].leases[0].address == a


def test_renew_without_binding_says_nobinding():
    logic = server()
    (ia,) = ask(logic, c.RENEW, codec.server_id(logic.duid), na()).ias
    assert ia.status == c.STATUS_NO_BINDING


def test_rebind_of_a_foreign_address_zeroes_it_and_offers_one_of_ours():
    reply = ask(server(), c.REBIND, na(1, codec.Lease("2001:db8:9::5", 100, 200)))
    (ia,) = reply.ias
    assert ia.leases[0] == codec.Lease("2001:db8:9::5", 0, 0)
    assert ia.leases[1].address in POOL and ia.leases[1].valid > 0


def test_declined_address_is_not_offered_again():
    logic = server()
    first = ask(logic, c.REQUEST, codec.server_id(logic.duid), na()).ias[0].leases[0]
    ask(logic, c.DECLINE, codec.server_id(logic.duid), na(1, first))
    again = ask(logic, c.REQUEST, codec.server_id(logic.duid), na()).ias[0].leases[0]
    assert again.address != first.address


def test_prefix_delegation_from_pd_pool():
    logic = server(pd_pool=PrefixPool("2001:db8:100::/48", 56))
    (ia,) = ask(logic, c.SOLICIT, codec.encode_ia(IA("pd", 5))).ias
    assert ia.kind == "pd" and ia.leases[0].address.endswith("/56")


def test_information_request_gets_dns_and_refresh_time():
    reply = ask(server(information_refresh_time=600), c.INFORMATION_REQUEST)
    assert reply.option(c.OPT_DNS_SERVERS) and reply.option(c.OPT_INFORMATION_REFRESH_TIME) == (600).to_bytes(4, "big")
