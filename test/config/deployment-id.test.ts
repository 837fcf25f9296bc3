import test from 'ava';
import { deploymentIdOf } from '../../service/deployment-id.js';
import { serviceTagOf } from '../../service/provisioner/openstack/server-factory.js';
import { notificationQueueName } from '../../service/triggers/os-notifications.js';

test('one deployment identity: the same for every user of it, and without the database credentials', (t) => {
  const id = deploymentIdOf('mariadb://fn:old@db.example:3306/fnstack');
  t.is(deploymentIdOf('mariadb://fn:rotated@db.example/fnstack'), id);
  t.is(serviceTagOf('mariadb://fn:rotated@db.example/fnstack'), id);
  t.is(notificationQueueName('mariadb://fn:rotated@db.example/fnstack'), `fnstack.notifications.${id}`);
  t.not(deploymentIdOf('mariadb://fn:old@db.example:3306/other'), id);
});
