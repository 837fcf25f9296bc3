#!/usr/bin/python3
"""Stand-in for neutron-openvswitch-agent on the test cloud's compute host.

   l2-agent-standin.py --host HOST --config-file /etc/neutron/neutron.conf [--config-file ...]

ML2 binds a port on a tenant (vxlan) network only to a host with a live L2 agent that
supports the network type. No Open vSwitch runs here (no guest either: Nova's fake driver),
so this process only does what makes an agent "live" for neutron-server: it sends the Open
vSwitch agent's state report over RPC (topic q-reports-plugin) every 20 s. Ports then bind
(binding:vif_type ovs) and the fake driver's servers go ACTIVE with a fixed IP; no packet is
ever switched. Run by test/cloud/setup.sh --with-heat as user neutron; Debian's python3.
"""
import argparse
import signal
import sys
import time

from neutron.agent import rpc as agent_rpc
from neutron.common import config as common_config
from neutron.conf.agent import common as agent_config
from oslo_config import cfg
from neutron_lib.agent import topics
from neutron_lib import context

REPORT_INTERVAL = 20  # neutron-server's agent_down_time is 75 s


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--host', required=True)
    args, rest = parser.parse_known_args()
    if hasattr(common_config, 'register_common_config_options'):
        common_config.register_common_config_options()
    agent_config.register_agent_state_opts_helper(cfg.CONF)
    common_config.init(rest)  # also sets up the RPC transport from transport_url
    state = {
        'binary': 'neutron-openvswitch-agent',
        'host': args.host,
        'topic': 'N/A',
        'agent_type': 'Open vSwitch agent',
        'start_flag': True,
        'configurations': {
            'tunnel_types': ['vxlan'],
            'tunneling_ip': '127.0.0.1',
            'bridge_mappings': {},
            'l2_population': False,
            'datapath_type': 'system',
            'ovs_hybrid_plug': False,
            'integration_bridge': 'br-int',
            'fnstack_standin': True,
        },
    }
    rpc = agent_rpc.PluginReportStateAPI(topics.REPORTS)
    ctx = context.get_admin_context_without_session()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        try:
            rpc.report_state(ctx, state, use_call=True)
            state['start_flag'] = False
        except Exception as e:  # noqa: BLE001 - neutron-server restarting: retry next round
            print(f'state report failed: {e!r}', file=sys.stderr, flush=True)
        time.sleep(REPORT_INTERVAL)


if __name__ == '__main__':
    main()
