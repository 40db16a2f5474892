// A node's drivers as a table: kind, package, version, where it runs (isolation), state and message.
import { driverWhere, type DriverStateView } from '../models';

export function DriverRows({ node, drivers }: { node?: string; drivers: DriverStateView[] }) {
  return (
    <>
      {drivers.map((d) => (
        <tr key={`${node ?? ''}/${d.kind}/${d.package}/${d.state}`} data-node={node} data-kind={d.kind}>
          {node !== undefined && <td>{node}</td>}
          <th scope="row">{d.kind}</th>
          <td>{d.package}</td>
          <td>{d.version}</td>
          <td data-testid="isolation">{driverWhere(d)}</td>
          <td><span class={`state ${d.state}`}>{d.state}</span></td>
          <td>{d.message}</td>
        </tr>
      ))}
    </>
  );
}

export function DriverHead({ withNode }: { withNode: boolean }) {
  return (
    <thead>
      <tr>
        {withNode && <th scope="col">Node</th>}
        <th scope="col">Kind</th><th scope="col">Package</th><th scope="col">Version</th><th scope="col">Isolation</th><th scope="col">State</th><th scope="col">Message</th>
      </tr>
    </thead>
  );
}
