import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import { alignById, ChildLists, type ChildListSpec, type CountedConnection, type Page } from '@sc/db';
import { Matter, MatterTransition } from './entities';

const BY_STREET: ChildListSpec = {
  table: 'matter',
  parentColumn: 'street_id',
  refColumn: 'id',
  sortColumn: 'id',
  direction: 'ASC',
  cursor: 'value',
};
const BY_COURTYARD: ChildListSpec = { ...BY_STREET, parentColumn: 'courtyard_id' };

/** Per-request loaders: matters by id, transitions per matter, matter pages per street/courtyard. */
export class DeliberationLoaders {
  constructor(private readonly ds: DataSource) {}

  readonly matter = new DataLoader<string, Matter | null>(async (ids) =>
    alignById(ids, await this.ds.getRepository(Matter).findBy({ id: In([...ids]) })),
  );

  readonly transitions = new DataLoader<string, MatterTransition[]>(async (ids) => {
    const rows = await this.ds
      .getRepository(MatterTransition)
      .find({ where: { matterId: In([...ids]) }, order: { at: 'ASC', id: 'ASC' } });
    return ids.map((id) => rows.filter((r) => r.matterId === id));
  });

  private readonly lists = new ChildLists(this.ds);

  streetMatters(streetId: string, page: Page): Promise<CountedConnection<Matter>> {
    return this.lists.page(BY_STREET, streetId, page, (id) => this.matter.load(id));
  }

  courtyardMatters(courtyardId: string, page: Page): Promise<CountedConnection<Matter>> {
    return this.lists.page(BY_COURTYARD, courtyardId, page, (id) => this.matter.load(id));
  }
}
